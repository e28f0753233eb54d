// Typed errors of libvidrep. The library never exits or aborts: it throws one of these, with a
// message that names the file (and stream, frame or option) and the reason. The CLI maps
// vidrep::Error to exit status 2 and anything else to 1.
#pragma once

#include <stdexcept>
#include <string>

namespace vidrep {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The input could not be opened or is not a readable media file.
class OpenError : public Error {
 public:
  using Error::Error;
};

// Bytes inside a file that opened could not be demuxed or decoded.
class DecodeError : public Error {
 public:
  using Error::Error;
};

// A caller asked for something impossible: an index out of range, a bad size, an unknown option.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// An output could not be written (encoder missing, disk full, rename failed).
class WriteError : public Error {
 public:
  using Error::Error;
};

// A configuration file or value is malformed.
class ConfigError : public Error {
 public:
  using Error::Error;
};

}  // namespace vidrep
