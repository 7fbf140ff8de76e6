// Just enough HTTP/1.1 and JSON for Hardware API v1 on 2 KiB of RAM: one request is read at a
// time into one shared buffer, only the headers the API needs are kept, and answers are
// streamed to the socket in small pieces.
#pragma once
#include <Arduino.h>

namespace http {

// The API's commands are a few dozen bytes (`{"volume":55,"muted":false,"active":"2"}`).
const uint8_t MAX_BODY = 96;
// Long enough for "Authorization: Bearer " and a 64-character token.
const uint8_t MAX_LINE = 96;
const uint8_t MAX_PATH = 40;
// A client that has not sent its whole request by then is cut off.
const uint16_t REQUEST_LIMIT_MS = 2000;
const uint8_t MAX_TOKEN = 64;

enum Outcome : uint8_t { COMPLETE, TIMED_OUT, TOO_LARGE, MALFORMED };

struct Request {
  char method[8];
  char path[MAX_PATH + 1];
  bool authorized;
  int contentLength;
  char body[MAX_BODY + 1];
};

// Reads one request from the socket; `token` is in program memory.
Outcome readRequest(uint8_t socket, Request &request, const char *token);

// Writes to a socket through a small buffer, as Print (so print(F("...")) works).
class SocketWriter : public Print {
public:
  explicit SocketWriter(uint8_t socket) : socket_(socket) {}
  size_t write(uint8_t byte) override;
  using Print::write;
  // Sends what is buffered; false once the peer is gone. (Not Print::flush, which returns nothing.)
  bool send();
  bool ok() const { return ok_; }

private:
  static const uint8_t SIZE = 64;
  uint8_t socket_;
  uint8_t used_ = 0;
  bool ok_ = true;
  uint8_t buffer_[SIZE];
};

// One field of a flat JSON object: a string, a whole number or a boolean.
struct Field {
  char key[8];
  enum Kind : uint8_t { STRING, NUMBER, BOOLEAN } kind;
  char text[33];
  long number;
  bool boolean;
};

const uint8_t MAX_FIELDS = 3;

// Parses `{"key": value, ...}` with at most MAX_FIELDS fields; false for anything else.
bool parseObject(const char *json, Field *fields, uint8_t &count);

// 1 to 32 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
bool isName(const char *text);

} // namespace http
