// A sender as one NATS subject token, so each source has its own subject <prefix>.<token> and a
// reader can pick one source with a plain subject filter. NATS subjects split on '.', and '*' and
// '>' are wildcards, so the address text cannot be used as it is:
//
//   10.0.0.5:6665      -> 10_0_0_5-6665       ('.' -> '_', ':' -> '-')
//   [fd00::5]:6665     -> fd00--5-6665        (brackets dropped)
//
// Letters and digits pass through; every other byte becomes "~XX" (its value in lowercase hex).
// The mapping is injective on what Source::format produces: an IPv4 token has exactly one '-'
// (the port separator), an IPv6 token at least two, and '~' only comes from the escape.
#pragma once

#include <string>
#include <string_view>

namespace ncxdp {

// Appends the token for text ("addr:port" as Source::format writes it) to out.
void appendSubjectToken(std::string_view text, std::string& out);
std::string subjectToken(std::string_view text);

// The reverse, for display: "10_0_0_5-6665" -> "10.0.0.5:6665". Returns an empty string when
// token is not something appendSubjectToken produces for an address.
std::string sourceFromToken(std::string_view token);

}  // namespace ncxdp
