// The desk's state (HDMI input, audio, power per port), what drives it, and where it survives a
// reboot of the controller.
#pragma once
#include <Arduino.h>
#include "config.h"

// Ports and inputs are named by number from 1, like the simulator's defaults.
const uint8_t MAX_INPUTS = 8;
const uint8_t MAX_PORTS = 16;
static_assert(KD_INPUT_COUNT >= 1 && KD_INPUT_COUNT <= MAX_INPUTS, "KD_INPUT_COUNT must be 1 to 8");
static_assert(KD_PORT_COUNT >= 1 && KD_PORT_COUNT <= MAX_PORTS, "KD_PORT_COUNT must be 1 to 16");

struct DeskState {
  uint8_t hdmi;  // input index, 0-based
  uint8_t audio; // input index, 0-based
  uint8_t volume; // 0 to 100
  bool muted;
  uint16_t power; // bit n: port n+1 is on
};

namespace desk {

// Restores the saved state (or a fresh one) and drives every output to it.
void begin();
const DeskState &state();

// Each returns true when something changed; setting what is set changes nothing (idempotent).
bool setHdmi(uint8_t input);
bool setAudioInput(uint8_t input);
bool setVolume(uint8_t volume);
bool setMuted(bool muted);
bool setPower(uint8_t port, bool on);

} // namespace desk
