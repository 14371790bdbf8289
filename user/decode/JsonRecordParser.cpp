#include "decode/JsonRecordParser.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

#include "decode/Rfc3339.h"

namespace ncxdp {

namespace {

using Json = nlohmann::json;

bool unhex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += char(hi << 4 | lo);
  }
  return true;
}

// Field readers: null (or absent) leaves the default; a wrong type is an error.
bool optU64(const Json& j, const char* key, std::optional<std::uint64_t>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number_unsigned()) return false;
  out = it->get<std::uint64_t>();
  return true;
}

bool optInt(const Json& j, const char* key, int& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number_unsigned()) return false;
  out = int(it->get<std::uint64_t>());
  return true;
}

bool optString(const Json& j, const char* key, std::string& store, bool& present) {
  present = false;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  store = it->get_ref<const std::string&>();
  present = true;
  return true;
}

bool u64(const Json& j, const char* key, std::uint64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  out = it->get<std::uint64_t>();
  return true;
}

}  // namespace

bool JsonRecordParser::parse(std::string_view line, Record& out, std::string& error) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  const Json j = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return false;
  }
  out = Record{};
  auto bad = [&error](const char* what) {
    error = what;
    return false;
  };

  auto ts = j.find("recv_ts");
  const std::optional<std::uint64_t> recv =
      ts != j.end() && ts->is_string() ? parseRfc3339Us(ts->get_ref<const std::string&>()) : std::nullopt;
  if (!recv) return bad("missing or bad recv_ts");
  out.recvTsUs = *recv;
  auto src = j.find("src");
  if (src == j.end() || !src->is_string() || !Source::parse(src->get_ref<const std::string&>(), out.src))
    return bad("missing or bad src");

  if (auto ev = j.find("event"); ev != j.end()) {
    if (!ev->is_string() || ev->get_ref<const std::string&>() != "gap") return bad("unknown event");
    out.kind = RecordKind::Gap;
    auto field = j.find("field");
    if (field == j.end() || !field->is_string()) return bad("gap without field");
    const std::string& f = field->get_ref<const std::string&>();
    if (f == "seq")
      out.gapField = GapField::Seq;
    else if (f == "msgid")
      out.gapField = GapField::Msgid;
    else
      return bad("unknown gap field");
    if (!u64(j, "from", out.gapFrom) || !u64(j, "to", out.gapTo)) return bad("gap without from/to");
    return true;
  }

  out.kind = RecordKind::Message;
  auto format = j.find("format");
  if (format == j.end() || !format->is_string()) return bad("missing format");
  if (format->get_ref<const std::string&>() == "extended")
    out.format = Format::Extended;
  else if (format->get_ref<const std::string&>() == "plain")
    out.format = Format::Plain;
  else
    return bad("unknown format");

  bool present = false;
  if (!optString(j, "release", release_, present)) return bad("bad release");
  if (present) out.release = release_;
  if (!optInt(j, "facility", out.facility) || !optInt(j, "level", out.level))
    return bad("bad facility or level");
  if (!optU64(j, "seq", out.seq) || !optU64(j, "ts_usec", out.tsUsec) || !optU64(j, "msgid", out.msgid))
    return bad("bad seq, ts_usec or msgid");
  if (auto c = j.find("cont"); c != j.end()) {
    if (!c->is_boolean()) return bad("bad cont");
    out.cont = c->get<bool>();
  }
  if (!optString(j, "caller", caller_, present)) return bad("bad caller");
  if (present) out.caller = caller_;

  // text_hex holds the exact bytes when the text was not UTF-8; text alone otherwise.
  if (auto hex = j.find("text_hex"); hex != j.end()) {
    if (!hex->is_string() || !unhex(hex->get_ref<const std::string&>(), text_)) return bad("bad text_hex");
  } else {
    auto text = j.find("text");
    if (text == j.end() || !text->is_string()) return bad("missing text");
    text_ = text->get_ref<const std::string&>();
  }
  out.text = text_;

  auto dict = j.find("dict");
  if (dict != j.end() && !dict->is_array()) return bad("bad dict");
  const std::size_t pairs = dict == j.end() ? 0 : dict->size();
  if (dictStrings_.size() < 2 * pairs) dictStrings_.resize(2 * pairs);
  dict_.clear();
  for (std::size_t i = 0; i < pairs; ++i) {
    const Json& p = (*dict)[i];
    if (!p.is_array() || p.size() < 2 || p.size() > 3 || !p[0].is_string() || !p[1].is_string())
      return bad("bad dict entry");
    dictStrings_[2 * i] = p[0].get_ref<const std::string&>();
    if (p.size() == 3) {
      if (!p[2].is_string() || !unhex(p[2].get_ref<const std::string&>(), dictStrings_[2 * i + 1]))
        return bad("bad dict value hex");
    } else {
      dictStrings_[2 * i + 1] = p[1].get_ref<const std::string&>();
    }
  }
  // Views are taken only once every string is in place (resize may have moved them).
  for (std::size_t i = 0; i < pairs; ++i) dict_.push_back({dictStrings_[2 * i], dictStrings_[2 * i + 1]});
  out.dict = dict_;

  // Written only for records an ncxdp_tx crash dump replayed (docs/record-format.md).
  if (auto d = j.find("dump"); d != j.end()) {
    if (!d->is_number_unsigned()) return bad("bad dump");
    out.dump = d->get<std::uint64_t>();
  }
  if (auto inc = j.find("incomplete"); inc != j.end()) {
    if (!inc->is_boolean()) return bad("bad incomplete");
    out.incomplete = inc->get<bool>();
  }
  missing_.clear();
  if (auto miss = j.find("missing"); miss != j.end()) {
    if (!miss->is_array()) return bad("bad missing");
    for (const Json& r : *miss) {
      if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() || !r[1].is_number_unsigned())
        return bad("bad missing range");
      missing_.push_back(
          {std::uint32_t(r[0].get<std::uint64_t>()), std::uint32_t(r[1].get<std::uint64_t>())});
    }
  }
  out.missing = missing_;
  return true;
}

}  // namespace ncxdp
