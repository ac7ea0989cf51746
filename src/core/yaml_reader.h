// The strict YAML reader shared by the configuration (core/config.cc) and
// the posture policy (posture/policy.cc).
//
// ParseYaml turns text into a compact tree (YamlNode) and reports, into an
// ErrorList, everything that is wrong with the text as YAML: a NUL byte, a
// syntax error, a second document, aliases that expand beyond a bound. No
// exception leaves it. YamlMapping then reads one mapping strictly: each
// getter of the caller Take()s its key, and Finish() reports every key
// nobody asked for, with a suggestion when one is close. What the values
// mean (durations, paths, rule kinds) is the caller's business.
//
// Why a tree of our own: yaml-cpp's YAML::Node costs several hundred bytes
// and three allocations per node; for the shipped policy that was 1.5 MiB
// of short-lived, fragmenting heap on a device that has a few MiB in all.
// YamlNode keeps what a reader needs: type, mark, scalar text, children.
//
// Host only (yaml-cpp); not thread-safe per object (one tree per parse).
#ifndef PICKET_CORE_YAML_READER_H_
#define PICKET_CORE_YAML_READER_H_

#include <yaml-cpp/mark.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/yaml_errors.h"

namespace picket {

class YamlNode {
 public:
  enum class Type : uint8_t { kNull, kScalar, kSequence, kMap };

  bool IsNull() const { return type_ == Type::kNull; }
  bool IsScalar() const { return type_ == Type::kScalar; }
  bool IsSequence() const { return type_ == Type::kSequence; }
  bool IsMap() const { return type_ == Type::kMap; }
  const std::string& Scalar() const { return scalar_; }
  const YAML::Mark& Mark() const { return mark_; }
  // Items of a sequence, or key/value pairs of a mapping.
  size_t size() const {
    return type_ == Type::kMap ? children_.size() / 2 : children_.size();
  }
  // Sequence items.
  std::vector<YamlNode>::const_iterator begin() const {
    return children_.begin();
  }
  std::vector<YamlNode>::const_iterator end() const { return children_.end(); }
  // Mapping entries.
  const YamlNode& Key(size_t i) const { return children_[2 * i]; }
  const YamlNode& Value(size_t i) const { return children_[2 * i + 1]; }

 private:
  friend class YamlTreeBuilder;
  Type type_ = Type::kNull;
  YAML::Mark mark_ = YAML::Mark::null_mark();
  std::string scalar_;
  std::vector<YamlNode> children_;
};

// Aliases may expand a document to at most this many nodes (a "billion
// laughs" file is refused, not expanded).
inline constexpr size_t kMaxYamlNodes = 200000;

// Parses the one document of `text` into `*root` (null for an empty or
// comment-only text). False, with the errors added, when the text is not
// one well-formed YAML document.
bool ParseYaml(std::string_view text, ErrorList* errors, YamlNode* root);

// One mapping read strictly. Keys that are not plain strings and duplicate
// keys are reported at construction.
class YamlMapping {
 public:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    const YamlNode* value_node;  // owned by the tree, which outlives this
    bool consumed;
    const YamlNode& value() const { return *value_node; }
  };

  // `node` must be a mapping; `path` is its dotted key path ("" for the
  // root). `errors` must outlive this.
  YamlMapping(const YamlNode& node, std::string path, ErrorList* errors);
  YamlMapping(const YamlMapping&) = delete;
  YamlMapping& operator=(const YamlMapping&) = delete;

  // Marks `key` as known and consumed; nullptr when the mapping lacks it
  // (reported against the mapping when `required`).
  const Entry* Take(std::string_view key, bool required = false);

  // Reports `message` against `entry`'s key line: for a value on the
  // following lines (a mapping where a scalar was expected) the key is what
  // the reader has to find.
  void Error(const Entry& entry, std::string_view message);

  // Reports every key no Take() asked for: "unknown key; did you mean
  // "X"?" when one is a likely typo, else the list of valid keys.
  void Finish();

  // "path.key" (or "key" at the root).
  std::string Join(std::string_view key) const;

  const std::string& path() const { return path_; }
  const YAML::Mark& mark() const { return mark_; }
  ErrorList* errors() const { return errors_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::string path_;
  ErrorList* errors_;
  YAML::Mark mark_;
  std::vector<Entry> entries_;
  std::vector<std::string_view> known_;  // keys asked for, in order
};

// A mapping read strictly, with typed getters: each Take()s its key and
// reports a wrong value against it (the configuration's and the posture
// policy's and baseline's readers).
class YamlFields : public YamlMapping {
 public:
  using YamlMapping::YamlMapping;

  bool String(std::string_view key, bool required, std::string* out) {
    const Entry* entry = Take(key, required);
    if (entry == nullptr) return false;
    std::string message;
    if (!CheckString(entry->value(), &message)) {
      Error(*entry, message);
      return false;
    }
    *out = entry->value().Scalar();
    return true;
  }

  bool Path(std::string_view key, bool required, std::string* out) {
    const Entry* entry = Take(key, required);
    if (entry == nullptr) return false;
    std::string message;
    if (!CheckString(entry->value(), &message) ||
        entry->value().Scalar()[0] != '/') {
      Error(*entry, message.empty() ? "expected an absolute path" : message);
      return false;
    }
    *out = entry->value().Scalar();
    return true;
  }

  bool Bool(std::string_view key, bool* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    if (!entry->value().IsScalar() ||
        !ParseYamlBool(entry->value().Scalar(), out)) {
      Error(*entry, "expected a boolean");
      return false;
    }
    return true;
  }

  template <typename T>
  bool Int(std::string_view key, int64_t min, int64_t max, T* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    int64_t value = 0;
    bool ok = false;
    if (entry->value().IsScalar()) {
      const std::string& text = entry->value().Scalar();
      auto [end, ec] =
          std::from_chars(text.data(), text.data() + text.size(), value);
      ok = ec == std::errc() && end == text.data() + text.size() &&
           value >= min && value <= max;
    }
    if (!ok) {
      Error(*entry, "expected an integer between " + std::to_string(min) +
                        " and " + std::to_string(max));
      return false;
    }
    *out = static_cast<T>(value);
    return true;
  }

  bool Duration(std::string_view key, int64_t min_ms, int64_t max_ms,
                int64_t* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    int64_t ms = 0;
    if (!entry->value().IsScalar() ||
        !ParseDurationMs(entry->value().Scalar(), &ms) || ms < min_ms ||
        ms > max_ms) {
      Error(*entry, "expected a duration between " + std::to_string(min_ms) +
                        "ms and " + std::to_string(max_ms / 1000) + "s");
      return false;
    }
    *out = ms;
    return true;
  }

  bool Size(std::string_view key, uint64_t min, uint64_t max, uint64_t* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    uint64_t bytes = 0;
    if (!entry->value().IsScalar() ||
        !ParseByteSize(entry->value().Scalar(), &bytes) || bytes < min ||
        bytes > max) {
      Error(*entry, "expected a size between " + std::to_string(min) + " and " +
                        std::to_string(max) + " bytes (e.g. 64KiB)");
      return false;
    }
    *out = bytes;
    return true;
  }

  bool Enum(std::string_view key,
            std::initializer_list<std::string_view> choices, std::string* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    if (entry->value().IsScalar()) {
      for (std::string_view choice : choices) {
        if (entry->value().Scalar() == choice) {
          *out = choice;
          return true;
        }
      }
    }
    Error(*entry, "expected one of " + JoinChoices(choices));
    return false;
  }

  bool StringList(std::string_view key, bool required, bool absolute,
                  std::vector<std::string>* out) {
    const Entry* entry = Take(key, required);
    if (entry == nullptr) return false;
    std::vector<std::string> items;
    auto add = [&](const YamlNode& item, const std::string& where) {
      std::string message;
      if (!CheckString(item, &message)) {
        errors()->Add(item.Mark(), where, message);
        return false;
      }
      if (absolute && item.Scalar()[0] != '/') {
        errors()->Add(item.Mark(), where, "expected an absolute path");
        return false;
      }
      items.push_back(item.Scalar());
      return true;
    };
    bool ok = true;
    if (entry->value().IsScalar()) {
      ok = add(entry->value(), Join(key));
    } else if (entry->value().IsSequence()) {
      size_t index = 0;
      for (const YamlNode& item : entry->value()) {
        ok &= add(item, Join(key) + "[" + std::to_string(index) + "]");
        ++index;
      }
    } else {
      Error(*entry, "expected a list of strings");
      return false;
    }
    if (ok && required && items.empty()) {
      Error(*entry, "expected at least one item");
      return false;
    }
    *out = std::move(items);
    return ok;
  }

 protected:
  static bool CheckString(const YamlNode& node, std::string* message) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      *message = "expected a string";
      return false;
    }
    if (node.Scalar().find('\0') != std::string::npos) {
      *message = "must not contain a NUL character";
      return false;
    }
    return true;
  }
};

}  // namespace picket

#endif  // PICKET_CORE_YAML_READER_H_
