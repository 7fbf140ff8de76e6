// A small TCP server driver for the WIZnet W5100 (Ethernet Shield R3) and W5500 (Ethernet Shield
// 2), over SPI. Debian packages the Arduino AVR core with SPI and EEPROM but not the Ethernet
// library, so the firmware carries the little of it that a server needs: sockets that listen,
// read, write and close. Both chips have the same socket registers; they differ in how an SPI
// frame addresses them.
#pragma once
#include <Arduino.h>

namespace w5x00 {

enum Chip : uint8_t { NONE = 0, W5100 = 1, W5500 = 2 };

// Socket states (Sn_SR), the same on both chips.
const uint8_t CLOSED = 0x00;
const uint8_t INIT = 0x13;
const uint8_t LISTEN = 0x14;
const uint8_t ESTABLISHED = 0x17;
const uint8_t CLOSE_WAIT = 0x1C;

// Resets the chip, finds out which one it is, and sets the addresses. NONE when no chip answers.
Chip begin(uint8_t csPin, const uint8_t mac[6], const uint8_t ip[4], const uint8_t gateway[4],
           const uint8_t subnet[4]);
const char *chipName();

uint8_t status(uint8_t socket);
// Closes the socket and opens it again listening for TCP on `port`.
bool listen(uint8_t socket, uint16_t port);
// Bytes received and not yet read.
uint16_t available(uint8_t socket);
// Reads up to `length` received bytes; returns how many it read.
uint16_t read(uint8_t socket, uint8_t *buffer, uint16_t length);
// Sends all of `data`; false when the connection is gone or the peer stopped taking data.
bool write(uint8_t socket, const uint8_t *data, uint16_t length);
// Ends the connection gracefully (FIN), falling back to a close.
void disconnect(uint8_t socket);
void close(uint8_t socket);

} // namespace w5x00
