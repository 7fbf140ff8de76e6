#include "desk.h"
#include <EEPROM.h>
#include <SPI.h>

namespace desk {
namespace {

// EEPROM layout: a magic byte and a layout version, then the state. A board flashed with other
// firmware before has other bytes there; the magic keeps them from being taken as a state.
const uint8_t MAGIC = 0x4B; // 'K'
const uint8_t LAYOUT = 1;
const int ADDRESS_MAGIC = 0;
const int ADDRESS_LAYOUT = 1;
const int ADDRESS_STATE = 2;

const uint8_t DEFAULT_VOLUME = 40;
// MCP41010: "write data to potentiometer 0", then the wiper position 0-255.
const uint8_t POT_WRITE_COMMAND = 0x11;
const SPISettings POT_SPI(4000000, MSBFIRST, SPI_MODE0);

const uint8_t relayPins[KD_PORT_COUNT] = KD_RELAY_PINS;
#if KD_HDMI_MODE == KD_HDMI_GPIO
const uint8_t hdmiPins[KD_INPUT_COUNT] = KD_HDMI_PINS;
#endif
#if KD_AUDIO
const uint8_t audioSelectPins[] = KD_AUDIO_SELECT_PINS;
const uint8_t AUDIO_SELECT_BITS = sizeof(audioSelectPins);
static_assert((1 << sizeof(audioSelectPins)) >= KD_INPUT_COUNT, "too few audio select pins for the inputs");
#endif

DeskState current;

void save() {
  EEPROM.update(ADDRESS_MAGIC, MAGIC);
  EEPROM.update(ADDRESS_LAYOUT, LAYOUT);
  // put() writes only the bytes that differ: EEPROM cells wear out after about 100,000 writes.
  EEPROM.put(ADDRESS_STATE, current);
}

bool load() {
  if (EEPROM.read(ADDRESS_MAGIC) != MAGIC || EEPROM.read(ADDRESS_LAYOUT) != LAYOUT) {
    return false;
  }
  DeskState saved;
  EEPROM.get(ADDRESS_STATE, saved);
  if (saved.hdmi >= KD_INPUT_COUNT || saved.audio >= KD_INPUT_COUNT || saved.volume > 100) {
    return false;
  }
  current = saved;
  current.power &= (1u << KD_PORT_COUNT) - 1;
  return true;
}

void driveRelay(uint8_t port) {
  bool on = current.power & (1u << port);
  // Normally-closed wiring: the Pi is powered while the relay rests.
  bool energised = KD_RELAY_NORMALLY_CLOSED ? !on : on;
  digitalWrite(relayPins[port], energised == bool(KD_RELAY_ACTIVE_LOW) ? LOW : HIGH);
}

void driveHdmi() {
#if KD_HDMI_MODE == KD_HDMI_GPIO
  uint8_t pin = hdmiPins[current.hdmi];
  digitalWrite(pin, KD_HDMI_ACTIVE_LOW ? LOW : HIGH);
  delay(KD_HDMI_PULSE_MS);
  digitalWrite(pin, KD_HDMI_ACTIVE_LOW ? HIGH : LOW);
#else
  Serial.print(F(KD_HDMI_SERIAL_PREFIX));
  Serial.print(current.hdmi + 1);
  Serial.print(F(KD_HDMI_SERIAL_SUFFIX));
  Serial.flush();
#endif
}

void driveAudio() {
#if KD_AUDIO
  for (uint8_t bit = 0; bit < AUDIO_SELECT_BITS; bit++) {
    digitalWrite(audioSelectPins[bit], (current.audio >> bit) & 1 ? HIGH : LOW);
  }
  digitalWrite(KD_AUDIO_MUTE_PIN, current.muted ? HIGH : LOW);
  uint8_t wiper = uint16_t(current.volume) * 255 / 100;
  SPI.beginTransaction(POT_SPI);
  digitalWrite(KD_VOLUME_CS_PIN, LOW);
  SPI.transfer(POT_WRITE_COMMAND);
  SPI.transfer(wiper);
  digitalWrite(KD_VOLUME_CS_PIN, HIGH);
  SPI.endTransaction();
#endif
}

} // namespace

void begin() {
  if (!load()) {
    // A fresh board: the first input, and every Pi on, as after a power cut.
    current.hdmi = 0;
    current.audio = 0;
    current.volume = DEFAULT_VOLUME;
    current.muted = false;
    current.power = (1u << KD_PORT_COUNT) - 1;
    save();
  }
  for (uint8_t port = 0; port < KD_PORT_COUNT; port++) {
    // The level first, then output: the relay must not click to the wrong side for a moment.
    driveRelay(port);
    pinMode(relayPins[port], OUTPUT);
  }
#if KD_HDMI_MODE == KD_HDMI_GPIO
  for (uint8_t input = 0; input < KD_INPUT_COUNT; input++) {
    digitalWrite(hdmiPins[input], KD_HDMI_ACTIVE_LOW ? HIGH : LOW);
    pinMode(hdmiPins[input], OUTPUT);
  }
#else
  Serial.begin(KD_HDMI_SERIAL_BAUD);
#endif
#if KD_AUDIO
  for (uint8_t bit = 0; bit < AUDIO_SELECT_BITS; bit++) {
    pinMode(audioSelectPins[bit], OUTPUT);
  }
  pinMode(KD_AUDIO_MUTE_PIN, OUTPUT);
  digitalWrite(KD_VOLUME_CS_PIN, HIGH);
  pinMode(KD_VOLUME_CS_PIN, OUTPUT);
#endif
  driveHdmi();
  driveAudio();
}

const DeskState &state() { return current; }

bool setHdmi(uint8_t input) {
  // Selected again even when it is the same: someone may have pressed a button on the switch,
  // which a GPIO-driven switch cannot tell us. Selecting an input twice is harmless.
  bool changed = input != current.hdmi;
  current.hdmi = input;
  if (changed) {
    save();
  }
  driveHdmi();
  return changed;
}

bool setAudioInput(uint8_t input) {
  if (input == current.audio) {
    return false;
  }
  current.audio = input;
  save();
  driveAudio();
  return true;
}

bool setVolume(uint8_t volume) {
  if (volume == current.volume) {
    return false;
  }
  current.volume = volume;
  save();
  driveAudio();
  return true;
}

bool setMuted(bool muted) {
  if (muted == current.muted) {
    return false;
  }
  current.muted = muted;
  save();
  driveAudio();
  return true;
}

bool setPower(uint8_t port, bool on) {
  uint16_t bit = 1u << port;
  if (bool(current.power & bit) == on) {
    return false;
  }
  current.power = on ? (current.power | bit) : (current.power & ~bit);
  save();
  driveRelay(port);
  return true;
}

} // namespace desk
