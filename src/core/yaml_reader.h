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

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace picket

#endif  // PICKET_CORE_YAML_READER_H_
