#include "http.h"
#include "w5x00.h"

namespace http {
namespace {

// Bytes fetched from the chip at once: fewer SPI frames than byte by byte, little RAM.
const uint8_t CHUNK = 32;

struct Reader {
  uint8_t socket;
  unsigned long start;
  uint8_t chunk[CHUNK];
  uint8_t length = 0;
  uint8_t position = 0;

  // The next byte, or -1 when the request took too long or the peer went away.
  int next() {
    while (position >= length) {
      if (millis() - start > REQUEST_LIMIT_MS) {
        return -1;
      }
      uint8_t state = w5x00::status(socket);
      length = w5x00::read(socket, chunk, CHUNK);
      position = 0;
      if (length == 0 && state != w5x00::ESTABLISHED) {
        return -1;
      }
    }
    return chunk[position++];
  }
};

char lower(char letter) { return letter >= 'A' && letter <= 'Z' ? letter + ('a' - 'A') : letter; }

// Whether `line` starts with `prefix` (in program memory), ignoring case as HTTP header names do.
bool startsWith(const char *line, const char *prefix) {
  for (uint8_t index = 0;; index++) {
    char expected = pgm_read_byte(prefix + index);
    if (expected == 0) {
      return true;
    }
    if (lower(line[index]) != lower(expected)) {
      return false;
    }
  }
}

// Compares the whole of both, in a time that does not depend on where they differ.
bool tokenEquals(const char *given, const char *token) {
  uint8_t difference = 0;
  uint8_t index = 0;
  for (; index < MAX_TOKEN; index++) {
    char expected = pgm_read_byte(token + index);
    difference |= uint8_t(given[index] ^ expected);
    if (expected == 0 || given[index] == 0) {
      break;
    }
  }
  return difference == 0 && index < MAX_TOKEN;
}

const char *skipSpace(const char *text) {
  while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n') {
    text++;
  }
  return text;
}

// Copies a JSON string without escapes (names never need them) into `out`.
const char *parseString(const char *text, char *out, uint8_t size) {
  if (*text != '"') {
    return nullptr;
  }
  text++;
  uint8_t length = 0;
  while (*text != '"') {
    if (*text == 0 || *text == '\\' || length + 1 >= size) {
      return nullptr;
    }
    out[length++] = *text++;
  }
  out[length] = 0;
  return text + 1;
}

} // namespace

Outcome readRequest(uint8_t socket, Request &request, const char *token) {
  Reader reader;
  reader.socket = socket;
  reader.start = millis();
  request.method[0] = 0;
  request.path[0] = 0;
  request.authorized = false;
  request.contentLength = 0;
  request.body[0] = 0;

  char line[MAX_LINE + 1];
  bool first = true;
  for (;;) {
    uint8_t length = 0;
    bool truncated = false;
    for (;;) {
      int byte = reader.next();
      if (byte < 0) {
        return TIMED_OUT;
      }
      if (byte == '\n') {
        break;
      }
      if (byte == '\r') {
        continue;
      }
      if (length < MAX_LINE) {
        line[length++] = byte;
      } else {
        truncated = true;
      }
    }
    line[length] = 0;
    if (length == 0 && !truncated) {
      break; // the blank line after the headers
    }
    if (first) {
      first = false;
      // "PUT /v1/hdmi HTTP/1.1"
      char *space = strchr(line, ' ');
      char *second = space ? strchr(space + 1, ' ') : nullptr;
      if (truncated || !space || !second || space - line >= int(sizeof(request.method)) ||
          second - space - 1 > MAX_PATH) {
        return MALFORMED;
      }
      memcpy(request.method, line, space - line);
      request.method[space - line] = 0;
      memcpy(request.path, space + 1, second - space - 1);
      request.path[second - space - 1] = 0;
    } else if (startsWith(line, PSTR("authorization: bearer "))) {
      request.authorized = !truncated && tokenEquals(line + 22, token);
    } else if (startsWith(line, PSTR("content-length:"))) {
      request.contentLength = atoi(line + 15);
    }
  }
  if (request.contentLength < 0 || request.contentLength > MAX_BODY) {
    return TOO_LARGE;
  }
  for (int index = 0; index < request.contentLength; index++) {
    int byte = reader.next();
    if (byte < 0) {
      return TIMED_OUT;
    }
    request.body[index] = byte;
  }
  request.body[request.contentLength] = 0;
  return COMPLETE;
}

size_t SocketWriter::write(uint8_t byte) {
  if (used_ == SIZE && !send()) {
    return 0;
  }
  buffer_[used_++] = byte;
  return 1;
}

bool SocketWriter::send() {
  if (ok_ && used_ > 0) {
    ok_ = w5x00::write(socket_, buffer_, used_);
  }
  used_ = 0;
  return ok_;
}

bool parseObject(const char *json, Field *fields, uint8_t &count) {
  count = 0;
  const char *text = skipSpace(json);
  if (*text++ != '{') {
    return false;
  }
  text = skipSpace(text);
  if (*text == '}') {
    return *skipSpace(text + 1) == 0;
  }
  for (;;) {
    if (count == MAX_FIELDS) {
      return false;
    }
    Field &field = fields[count++];
    text = parseString(skipSpace(text), field.key, sizeof(field.key));
    if (!text) {
      return false;
    }
    text = skipSpace(text);
    if (*text++ != ':') {
      return false;
    }
    text = skipSpace(text);
    if (*text == '"') {
      field.kind = Field::STRING;
      text = parseString(text, field.text, sizeof(field.text));
      if (!text) {
        return false;
      }
    } else if (strncmp_P(text, PSTR("true"), 4) == 0 || strncmp_P(text, PSTR("false"), 5) == 0) {
      field.kind = Field::BOOLEAN;
      field.boolean = *text == 't';
      text += field.boolean ? 4 : 5;
    } else if ((*text >= '0' && *text <= '9') || *text == '-') {
      field.kind = Field::NUMBER;
      char *end;
      field.number = strtol(text, &end, 10);
      // Fractions and exponents are not whole numbers: refused rather than rounded.
      if (end == text || *end == '.' || *end == 'e' || *end == 'E') {
        return false;
      }
      text = end;
    } else {
      return false;
    }
    text = skipSpace(text);
    if (*text == '}') {
      return *skipSpace(text + 1) == 0;
    }
    if (*text++ != ',') {
      return false;
    }
  }
}

bool isName(const char *text) {
  uint8_t length = 0;
  for (; text[length] != 0; length++) {
    char letter = text[length];
    bool alphanumeric = (letter >= 'a' && letter <= 'z') || (letter >= 'A' && letter <= 'Z') ||
                        (letter >= '0' && letter <= '9');
    if (!alphanumeric && (length == 0 || (letter != '.' && letter != '_' && letter != '-'))) {
      return false;
    }
  }
  return length >= 1 && length <= 32;
}

} // namespace http
