#include "triage/JsonlRecordReader.h"

#include <nlohmann/json.hpp>

#include "triage/Rfc3339.h"

namespace ncxdp {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// text_hex holds the exact bytes when the text was not valid UTF-8.
bool fromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hexValue(hex[i]);
    const int lo = hexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

int intOr(const nlohmann::json& j, const char* key, int fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

std::optional<std::uint64_t> u64(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

}  // namespace

bool JsonlRecordReader::parse(std::string_view line, Record& out, std::string& why) {
  const nlohmann::json j =
      nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    why = "not a JSON object";
    return false;
  }
  out = Record{};
  const auto src = j.find("src");
  if (src == j.end() || !src->is_string() || !Source::parse(src->get_ref<const std::string&>(), out.src)) {
    why = "no valid \"src\" (address:port)";
    return false;
  }
  const auto ts = j.find("recv_ts");
  std::optional<std::uint64_t> recv;
  if (ts != j.end() && ts->is_string()) recv = parseRfc3339Us(ts->get_ref<const std::string&>());
  if (!recv) {
    why = "no valid \"recv_ts\" (RFC 3339 time)";
    return false;
  }
  out.recvTsUs = *recv;

  if (const auto ev = j.find("event"); ev != j.end()) {
    if (!ev->is_string() || ev->get_ref<const std::string&>() != "gap") {
      why = "unknown \"event\"";
      return false;
    }
    out.kind = RecordKind::Gap;
    const auto field = j.find("field");
    out.gapField = field != j.end() && field->is_string() && field->get_ref<const std::string&>() == "msgid"
                       ? GapField::Msgid
                       : GapField::Seq;
    out.gapFrom = u64(j, "from").value_or(0);
    out.gapTo = u64(j, "to").value_or(0);
    return true;
  }

  const auto text = j.find("text");
  if (text == j.end() || !text->is_string()) {
    why = "no \"text\"";
    return false;
  }
  const auto hex = j.find("text_hex");
  if (hex == j.end() || !hex->is_string() || !fromHex(hex->get_ref<const std::string&>(), text_))
    text_ = text->get_ref<const std::string&>();
  out.text = text_;
  const auto format = j.find("format");
  out.format = format != j.end() && format->is_string() && format->get_ref<const std::string&>() == "extended"
                   ? Format::Extended
                   : Format::Plain;
  if (const auto rel = j.find("release"); rel != j.end() && rel->is_string()) {
    release_ = rel->get_ref<const std::string&>();
    out.release = release_;
  }
  if (const auto caller = j.find("caller"); caller != j.end() && caller->is_string()) {
    caller_ = caller->get_ref<const std::string&>();
    out.caller = caller_;
  }
  out.facility = intOr(j, "facility", -1);
  out.level = intOr(j, "level", -1);
  out.seq = u64(j, "seq");
  out.tsUsec = u64(j, "ts_usec");
  out.msgid = u64(j, "msgid");
  if (const auto cont = j.find("cont"); cont != j.end() && cont->is_boolean()) out.cont = cont->get<bool>();
  if (const auto inc = j.find("incomplete"); inc != j.end() && inc->is_boolean())
    out.incomplete = inc->get<bool>();
  dictStrings_.clear();
  dict_.clear();
  if (const auto dict = j.find("dict"); dict != j.end() && dict->is_array()) {
    for (const auto& pair : *dict) {
      if (!pair.is_array() || pair.size() < 2 || !pair[0].is_string() || !pair[1].is_string()) continue;
      dictStrings_.push_back(pair[0].get<std::string>());
      dictStrings_.push_back(pair[1].get<std::string>());
    }
    // Views only after the vector stopped growing.
    for (std::size_t i = 0; i + 1 < dictStrings_.size(); i += 2)
      dict_.push_back({dictStrings_[i], dictStrings_[i + 1]});
  }
  out.dict = dict_;
  return true;
}

}  // namespace ncxdp
