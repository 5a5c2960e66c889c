// Typed errors. Library code throws; the CLI prints what() on one line and exits non-zero,
// the app shows it in a modal. Messages name the file, the position and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace rnnscope {

// Base of every error a user can cause (bad file, bad flag, bad shape).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file could not be read or parsed: "path: position: problem".
class InputError : public Error {
 public:
  using Error::Error;
};

// Tensor shapes disagree with each other or with the model configuration.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A setting or flag is outside its allowed range.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// The command line asks for something that cannot run: an unknown task, a flag the task does
// not use, sizes beyond the machine's memory. The CLI exits 2 on it, as on CLI11's own errors.
class UsageError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

}  // namespace rnnscope
