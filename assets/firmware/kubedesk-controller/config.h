// Settings of one desk: the network, the token, and which pin drives what.
// Change these, then build and flash (README.md). Everything here is read at compile time.
#pragma once

// ---- Network (static: a DHCP client would not fit next to the rest on an Uno) ----
#define KD_MAC {0x02, 0x4B, 0x44, 0x00, 0x00, 0x01} // locally administered; make it unique per board
#define KD_IP {192, 168, 1, 50}
#define KD_GATEWAY {192, 168, 1, 1}
#define KD_SUBNET {255, 255, 255, 0}
#define KD_HTTP_PORT 80

// The bearer token every request must carry (Hardware API v1). At most 64 characters; use a long
// random one, e.g. `openssl rand -base64 32 | tr -d =/+ | cut -c1-40`.
#define KD_TOKEN "change-me-to-a-long-random-token"

// Chip select of the Ethernet shield's W5100/W5500, and of its SD card slot (held high so the
// card never answers on the shared SPI bus).
#define KD_ETHERNET_CS_PIN 10
#define KD_SD_CS_PIN 4

// ---- HDMI switch: inputs are named "1" .. "KD_INPUT_COUNT" ----
#define KD_INPUT_COUNT 4

#define KD_HDMI_GPIO 1   // one select line per input, pulsed (wired to the switch's input buttons)
#define KD_HDMI_SERIAL 2 // a switch with an RS-232/TTL port on the hardware serial pins 0/1
#ifndef KD_HDMI_MODE // the build may choose: make KD_DEFINES=-DKD_HDMI_MODE=2
#define KD_HDMI_MODE KD_HDMI_GPIO
#endif

// GPIO mode: one pin per input, pulsed to its active level for KD_HDMI_PULSE_MS.
#define KD_HDMI_PINS {A0, A1, A2, A3}
#define KD_HDMI_ACTIVE_LOW 1 // button contacts pull to ground
#define KD_HDMI_PULSE_MS 150 // long enough for the switch's debounce

// Serial mode: KD_HDMI_SERIAL_PREFIX, the input number, KD_HDMI_SERIAL_SUFFIX; e.g. "sw i01\r\n".
#define KD_HDMI_SERIAL_BAUD 9600
#define KD_HDMI_SERIAL_PREFIX "sw i0"
#define KD_HDMI_SERIAL_SUFFIX "\r\n"

// ---- Audio: a CD4052 (4 stereo channels) or CD4051 (8 mono) picks the input, its INH pin mutes,
// an MCP41010 digital potentiometer on the SPI bus sets the volume. 0 leaves audio out. ----
#define KD_AUDIO 1
#define KD_AUDIO_SELECT_PINS {7, 8} // the multiplexer's A, B (, C) address pins
#define KD_AUDIO_MUTE_PIN 9         // INH: high switches every channel off
#define KD_VOLUME_CS_PIN A4         // the MCP41010's chip select

// ---- Power: one relay per port; ports are named "1" .. "KD_PORT_COUNT" ----
#define KD_PORT_COUNT 4
#define KD_RELAY_PINS {2, 3, 5, 6}
#define KD_RELAY_ACTIVE_LOW 1 // most relay boards energise on a low input
// 1 when each Pi is wired through the relay's normally-closed contact: a controller that is off
// or rebooting then leaves every Pi powered. "on" is then the relay at rest.
#define KD_RELAY_NORMALLY_CLOSED 1
#define KD_CYCLE_MS 2000 // off time of a power cycle: long enough for a Pi's capacitors to drain
