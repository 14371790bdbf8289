// Allocates and touches memory until the OOM killer ends it: the "Out of memory: Killed process"
// report for the triage fixtures. Built static so a busybox initramfs can run it.
#include <stdlib.h>
#include <string.h>

int main(void)
{
	for (;;) {
		char *p = malloc(1 << 20);
		if (p == NULL)
			return 1;
		memset(p, 0x5a, 1 << 20);
	}
}
