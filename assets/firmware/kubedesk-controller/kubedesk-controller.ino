// Kubedesk reference hardware controller: Hardware API v1 (docs/hardware-api.yaml) on an Arduino
// Uno or Mega with a W5100 or W5500 Ethernet shield, driving an HDMI switch (GPIO or serial), an
// audio multiplexer with a digital volume pot, and a relay board for the Pis' power.
//
// Settings are in config.h; wiring and flashing in README.md.
#include <SPI.h>
#include "config.h"
#include "desk.h"
#include "http.h"
#include "w5x00.h"

#define KD_FIRMWARE_VERSION "1.0.0"
#if defined(__AVR_ATmega2560__)
#define KD_BOARD "mega"
#elif defined(__AVR_ATmega328P__)
#define KD_BOARD "uno"
#else
#define KD_BOARD "avr"
#endif

// Sockets the server uses: the W5100 has 4, the W5500 8; 4 leave RAM for the rest on an Uno.
const uint8_t SOCKETS = 4;
// Event streams may take all sockets but one, which stays free for commands.
const uint8_t MAX_STREAMS = SOCKETS - 1;
// The API promises a comment on every event stream at least this often.
const unsigned long PING_MS = 15000;
// A connection that sends nothing for this long is closed, so idle clients cannot hold sockets.
const unsigned long IDLE_LIMIT_MS = 5000;

const char TOKEN[] PROGMEM = KD_TOKEN;
static_assert(sizeof(KD_TOKEN) - 1 <= http::MAX_TOKEN, "KD_TOKEN is longer than 64 characters");
static_assert(sizeof(KD_TOKEN) - 1 >= 16, "KD_TOKEN is shorter than 16 characters");

enum Role : uint8_t { IDLE, STREAM };
Role roles[SOCKETS];
unsigned long since[SOCKETS];
unsigned long lastPing = 0;
http::Request request;

// ---- answers ----

void printStatusLine(Print &out, int status) {
  out.print(F("HTTP/1.1 "));
  out.print(status);
  switch (status) {
  case 200: out.print(F(" OK")); break;
  case 400: out.print(F(" Bad Request")); break;
  case 401: out.print(F(" Unauthorized")); break;
  case 404: out.print(F(" Not Found")); break;
  case 405: out.print(F(" Method Not Allowed")); break;
  case 413: out.print(F(" Payload Too Large")); break;
  case 503: out.print(F(" Service Unavailable")); break;
  default: out.print(F(" Error")); break;
  }
  out.print(F("\r\nCache-Control: no-store\r\nConnection: close\r\n"));
}

void printState(Print &out) {
  const DeskState &state = desk::state();
  out.print(F("{\"hdmi\":{\"active\":\""));
  out.print(state.hdmi + 1);
  out.print(F("\",\"inputs\":["));
  for (uint8_t input = 0; input < KD_INPUT_COUNT; input++) {
    out.print(input == 0 ? F("\"") : F(",\""));
    out.print(input + 1);
    out.print('"');
  }
  out.print(F("]},\"audio\":{\"active\":\""));
  out.print(state.audio + 1);
  out.print(F("\",\"volume\":"));
  out.print(state.volume);
  out.print(F(",\"muted\":"));
  out.print(state.muted ? F("true") : F("false"));
  out.print(F("},\"power\":{"));
  for (uint8_t port = 0; port < KD_PORT_COUNT; port++) {
    out.print(port == 0 ? F("\"") : F(",\""));
    out.print(port + 1);
    out.print(state.power & (1u << port) ? F("\":true") : F("\":false"));
  }
  out.print(F("},\"firmware\":\"kubedesk-firmware " KD_FIRMWARE_VERSION " (" KD_BOARD ", "));
  out.print(w5x00::chipName());
  out.print(F(")\"}"));
}

void sendState(uint8_t socket) {
  http::SocketWriter out(socket);
  printStatusLine(out, 200);
  out.print(F("Content-Type: application/json\r\n\r\n"));
  printState(out);
  out.send();
}

// `message` is in program memory; `detail` (may be null) is a name the client sent.
void sendError(uint8_t socket, int status, const __FlashStringHelper *code, const __FlashStringHelper *message,
               const char *detail = nullptr) {
  http::SocketWriter out(socket);
  printStatusLine(out, status);
  if (status == 401) {
    out.print(F("WWW-Authenticate: Bearer realm=\"kubedesk-hardware\"\r\n"));
  }
  out.print(F("Content-Type: application/json\r\n\r\n{\"error\":{\"code\":\""));
  out.print(code);
  out.print(F("\",\"message\":\""));
  out.print(message);
  if (detail) {
    // Only names reach here (checked by http::isName): nothing inside needs escaping.
    out.print(F("\\\""));
    out.print(detail);
    out.print(F("\\\""));
  }
  out.print(F("\"}}"));
  out.send();
}

void broadcast() {
  for (uint8_t socket = 0; socket < SOCKETS; socket++) {
    if (roles[socket] != STREAM) {
      continue;
    }
    http::SocketWriter out(socket);
    out.print(F("event: state\ndata: "));
    printState(out);
    out.print(F("\n\n"));
    if (!out.send()) {
      w5x00::close(socket);
      roles[socket] = IDLE;
    }
  }
}

// ---- requests ----

// "3" → input index 2; -1 when it is not one of ours.
int indexOf(const char *name, uint8_t count) {
  if (!http::isName(name)) {
    return -1;
  }
  char *end;
  long number = strtol(name, &end, 10);
  return *end == 0 && name[0] != '0' && number >= 1 && number <= count ? int(number - 1) : -1;
}

bool badBody(uint8_t socket, const __FlashStringHelper *message) {
  sendError(socket, 400, F("bad-request"), message);
  return false;
}

// Handles one request; true when the socket became an event stream and stays open.
bool handle(uint8_t socket) {
  http::Outcome outcome = http::readRequest(socket, request, TOKEN);
  if (outcome == http::TIMED_OUT) {
    return false;
  }
  if (outcome == http::MALFORMED) {
    return badBody(socket, F("not an HTTP request"));
  }
  if (!request.authorized) {
    sendError(socket, 401, F("unauthorized"), F("a valid bearer token is required"));
    return false;
  }
  if (outcome == http::TOO_LARGE) {
    sendError(socket, 413, F("too-large"), F("the body is too large"));
    return false;
  }
  const bool get = strcmp_P(request.method, PSTR("GET")) == 0;
  const bool put = strcmp_P(request.method, PSTR("PUT")) == 0;
  const bool post = strcmp_P(request.method, PSTR("POST")) == 0;
  const char *path = request.path;

  if (strcmp_P(path, PSTR("/v1/state")) == 0) {
    if (!get) {
      sendError(socket, 405, F("method-not-allowed"), F("/v1/state takes GET"));
    } else {
      sendState(socket);
    }
    return false;
  }

  if (strcmp_P(path, PSTR("/v1/events")) == 0) {
    if (!get) {
      sendError(socket, 405, F("method-not-allowed"), F("/v1/events takes GET"));
      return false;
    }
    uint8_t streams = 0;
    for (uint8_t other = 0; other < SOCKETS; other++) {
      streams += roles[other] == STREAM;
    }
    if (streams >= MAX_STREAMS) {
      sendError(socket, 503, F("busy"), F("too many event streams are open"));
      return false;
    }
    http::SocketWriter out(socket);
    out.print(F("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\r\n"
                "event: state\ndata: "));
    printState(out);
    out.print(F("\n\n"));
    return out.send();
  }

  http::Field fields[http::MAX_FIELDS];
  uint8_t count = 0;
  if (strcmp_P(path, PSTR("/v1/hdmi")) == 0) {
    if (!put) {
      sendError(socket, 405, F("method-not-allowed"), F("/v1/hdmi takes PUT"));
      return false;
    }
    if (!http::parseObject(request.body, fields, count) || count != 1 || strcmp_P(fields[0].key, PSTR("active")) ||
        fields[0].kind != http::Field::STRING || !http::isName(fields[0].text)) {
      return badBody(socket, F("body: give {\"active\": <input>}"));
    }
    int input = indexOf(fields[0].text, KD_INPUT_COUNT);
    if (input < 0) {
      sendError(socket, 404, F("not-found"), F("no input "), fields[0].text);
      return false;
    }
    if (desk::setHdmi(input)) {
      broadcast();
    }
    sendState(socket);
    return false;
  }

  if (strcmp_P(path, PSTR("/v1/audio")) == 0) {
    if (!put) {
      sendError(socket, 405, F("method-not-allowed"), F("/v1/audio takes PUT"));
      return false;
    }
    if (!http::parseObject(request.body, fields, count) || count == 0) {
      return badBody(socket, F("body: give at least one of active, volume, muted"));
    }
    // Every field is checked before anything is applied: nothing is half-applied.
    int input = -1;
    int volume = -1;
    int muted = -1;
    for (uint8_t index = 0; index < count; index++) {
      http::Field &field = fields[index];
      if (strcmp_P(field.key, PSTR("active")) == 0 && field.kind == http::Field::STRING && http::isName(field.text)) {
        input = indexOf(field.text, KD_INPUT_COUNT);
        if (input < 0) {
          sendError(socket, 404, F("not-found"), F("no input "), field.text);
          return false;
        }
      } else if (strcmp_P(field.key, PSTR("volume")) == 0 && field.kind == http::Field::NUMBER) {
        if (field.number < 0 || field.number > 100) {
          return badBody(socket, F("body.volume: a whole number from 0 to 100"));
        }
        volume = field.number;
      } else if (strcmp_P(field.key, PSTR("muted")) == 0 && field.kind == http::Field::BOOLEAN) {
        muted = field.boolean;
      } else {
        return badBody(socket, F("body: only active (a name), volume (0-100) and muted (true/false)"));
      }
    }
    bool changed = false;
    if (input >= 0) {
      changed |= desk::setAudioInput(input);
    }
    if (volume >= 0) {
      changed |= desk::setVolume(volume);
    }
    if (muted >= 0) {
      changed |= desk::setMuted(muted);
    }
    if (changed) {
      broadcast();
    }
    sendState(socket);
    return false;
  }

  // /v1/power/<port> and /v1/power/<port>/cycle
  if (strncmp_P(path, PSTR("/v1/power/"), 10) == 0) {
    char name[33];
    const char *rest = path + 10;
    const char *slash = strchr(rest, '/');
    uint8_t length = slash ? slash - rest : strlen(rest);
    if (length == 0 || length > 32) {
      sendError(socket, 404, F("not-found"), F("no such path"));
      return false;
    }
    memcpy(name, rest, length);
    name[length] = 0;
    const bool cycle = slash && strcmp_P(slash, PSTR("/cycle")) == 0;
    if (slash && !cycle) {
      sendError(socket, 404, F("not-found"), F("no such path"));
      return false;
    }
    int port = indexOf(name, KD_PORT_COUNT);
    if (port < 0) {
      if (http::isName(name)) {
        sendError(socket, 404, F("not-found"), F("no power port "), name);
      } else {
        sendError(socket, 404, F("not-found"), F("no such power port"));
      }
      return false;
    }
    if (cycle) {
      if (!post) {
        sendError(socket, 405, F("method-not-allowed"), F("a cycle takes POST"));
        return false;
      }
      if (desk::setPower(port, false)) {
        broadcast();
      }
      // The whole controller waits here; a cycle is rare and short, and it keeps the code simple.
      delay(KD_CYCLE_MS);
      desk::setPower(port, true);
      broadcast();
      sendState(socket);
      return false;
    }
    if (!put) {
      sendError(socket, 405, F("method-not-allowed"), F("/v1/power/<port> takes PUT"));
      return false;
    }
    if (!http::parseObject(request.body, fields, count) || count != 1 || strcmp_P(fields[0].key, PSTR("on")) ||
        fields[0].kind != http::Field::BOOLEAN) {
      return badBody(socket, F("body: give {\"on\": true|false}"));
    }
    if (desk::setPower(port, fields[0].boolean)) {
      broadcast();
    }
    sendState(socket);
    return false;
  }

  sendError(socket, 404, F("not-found"), F("no such path; the API is under /v1/"));
  return false;
}

// ---- main loop ----

void setup() {
  // Keep the SD card off the SPI bus before anything talks on it.
  pinMode(KD_SD_CS_PIN, OUTPUT);
  digitalWrite(KD_SD_CS_PIN, HIGH);
  desk::begin();
  const uint8_t mac[6] = KD_MAC;
  const uint8_t ip[4] = KD_IP;
  const uint8_t gateway[4] = KD_GATEWAY;
  const uint8_t subnet[4] = KD_SUBNET;
  // Without a network chip there is nothing to serve; the relays keep their saved state.
  while (w5x00::begin(KD_ETHERNET_CS_PIN, mac, ip, gateway, subnet) == w5x00::NONE) {
    delay(1000);
  }
  for (uint8_t socket = 0; socket < SOCKETS; socket++) {
    roles[socket] = IDLE;
    w5x00::listen(socket, KD_HTTP_PORT);
  }
}

void loop() {
  unsigned long now = millis();
  bool ping = now - lastPing >= PING_MS;
  if (ping) {
    lastPing = now;
  }
  for (uint8_t socket = 0; socket < SOCKETS; socket++) {
    uint8_t state = w5x00::status(socket);
    if (roles[socket] == STREAM) {
      if (state != w5x00::ESTABLISHED) {
        // The client left: free the socket for the next one.
        w5x00::disconnect(socket);
        roles[socket] = IDLE;
      } else if (ping) {
        http::SocketWriter out(socket);
        out.print(F(": ping\n\n"));
        if (!out.send()) {
          w5x00::close(socket);
          roles[socket] = IDLE;
        }
      }
      continue;
    }
    switch (state) {
    case w5x00::CLOSED:
      w5x00::listen(socket, KD_HTTP_PORT);
      break;
    case w5x00::LISTEN:
      since[socket] = now;
      break;
    case w5x00::ESTABLISHED:
    case w5x00::CLOSE_WAIT:
      if (w5x00::available(socket) > 0) {
        if (handle(socket)) {
          roles[socket] = STREAM;
        } else {
          w5x00::disconnect(socket);
        }
      } else if (state == w5x00::CLOSE_WAIT || now - since[socket] > IDLE_LIMIT_MS) {
        w5x00::disconnect(socket);
      }
      break;
    default:
      // Opening or closing: the chip finishes by itself.
      break;
    }
  }
}
