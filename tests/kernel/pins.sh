# Reads kernels.conf, the one place the tested Debian kernels are pinned (sourced, not run).
# shellcheck shell=bash

KH_PIN_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kernels.conf"

# Prints the pinned ids (6.1, 6.12, ...), one per line, in file order.
kh_pin_ids() {
  awk '!/^[[:space:]]*(#|$)/ {print $1}' "$KH_PIN_FILE"
}

# kh_pin_lookup ID_OR_ABI: sets KH_ID, KH_ABI and KH_PKGVER, or fails naming the pin file.
kh_pin_lookup() {
  local want=$1 line
  line=$(awk -v w="$want" '!/^[[:space:]]*(#|$)/ && ($1 == w || $2 == w) {print $1, $2, $3; exit}' "$KH_PIN_FILE")
  if [[ -z "$line" ]]; then
    echo "no kernel '$want' in $KH_PIN_FILE (pinned: $(kh_pin_ids | tr '\n' ' '))" >&2
    return 1
  fi
  read -r KH_ID KH_ABI KH_PKGVER <<<"$line"
}
