// Shared pieces of picket's strict YAML readers (configuration, posture
// policies): the error list that prints "<file>:<line>: <key.path>:
// <message>" lines, and small text helpers. Portable; not thread-safe (one
// ErrorList per parse).
#ifndef PICKET_CORE_YAML_ERRORS_H_
#define PICKET_CORE_YAML_ERRORS_H_

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"

namespace picket {

// Every error of one file, printed as "<file>:<line>: <key.path>: <message>".
class ErrorList {
 public:
  explicit ErrorList(std::string_view file_name) : file_name_(file_name) {}

  // `path` may be empty for errors that concern the document as a whole.
  // yaml-cpp marks are 0-based; a null mark (-1) still names line 1 so every
  // error line has the same shape. Control characters become '?' so one
  // error stays one line.
  void Add(const YAML::Mark& mark, std::string_view path,
           std::string_view message);

  bool empty() const { return errors_.empty(); }

  // InvalidArgument with the lines sorted by line number (stable, so one
  // line's errors keep their order): unknown keys are found after the known
  // ones but read better in file order.
  Status ToStatus();

 private:
  struct Error {
    int line;
    std::string text;
  };

  std::string file_name_;
  std::vector<Error> errors_;
};

// "true"/"false", and the YAML 1.1 spellings yes/no and on/off people still
// write, in any case.
bool ParseYamlBool(std::string_view text, bool* out);

// A NUL byte cannot appear in a YAML stream (YAML 1.2, 5.1), and yaml-cpp
// misreports it ("unknown escape character"). Adds "NUL byte at line L,
// column C" for the first one and returns true when `text` holds one.
bool AddNulByteError(std::string_view text, ErrorList* errors);

// "a, b, c".
std::string JoinChoices(std::initializer_list<std::string_view> choices);

}  // namespace picket

#endif  // PICKET_CORE_YAML_ERRORS_H_
