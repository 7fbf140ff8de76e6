#include "w5x00.h"
#include <SPI.h>

namespace w5x00 {
namespace {

// Common registers (same addresses on both chips).
const uint16_t MR = 0x0000;
const uint16_t GAR = 0x0001;
const uint16_t SUBR = 0x0005;
const uint16_t SHAR = 0x0009;
const uint16_t SIPR = 0x000F;
const uint16_t W5100_RMSR = 0x001A;
const uint16_t W5100_TMSR = 0x001B;
const uint16_t W5500_VERSIONR = 0x0039;
const uint8_t W5500_VERSION = 0x04;
const uint8_t MR_RESET = 0x80;

// Socket registers, as offsets into a socket's register block.
const uint8_t Sn_MR = 0x00;
const uint8_t Sn_CR = 0x01;
const uint8_t Sn_IR = 0x02;
const uint8_t Sn_SR = 0x03;
const uint8_t Sn_PORT = 0x04;
const uint8_t Sn_TX_FSR = 0x20;
const uint8_t Sn_TX_WR = 0x24;
const uint8_t Sn_RX_RSR = 0x26;
const uint8_t Sn_RX_RD = 0x28;

const uint8_t MODE_TCP = 0x01;
const uint8_t CMD_OPEN = 0x01;
const uint8_t CMD_LISTEN = 0x02;
const uint8_t CMD_DISCON = 0x08;
const uint8_t CMD_CLOSE = 0x10;
const uint8_t CMD_SEND = 0x20;
const uint8_t CMD_RECV = 0x40;
const uint8_t IR_SEND_OK = 0x10;
const uint8_t IR_TIMEOUT = 0x08;

// The W5100's 8 KiB of buffer memory, split 2 KiB per socket (its reset default, set again).
const uint16_t W5100_TX_BASE = 0x4000;
const uint16_t W5100_RX_BASE = 0x6000;
const uint16_t W5100_BUFFER_SIZE = 0x0800;
const uint16_t W5100_BUFFER_MASK = W5100_BUFFER_SIZE - 1;

// How long the chip may take over a command or a send before the connection is given up: a peer
// that stops reading must not freeze the relays.
const uint16_t COMMAND_LIMIT_MS = 100;
const uint16_t SEND_LIMIT_MS = 2000;
const uint16_t RESET_LIMIT_MS = 50;

// 8 MHz: within both chips' limits (14 and 33 MHz) on any AVR clocked at 16 MHz.
const SPISettings SPI_SETTINGS(8000000, MSBFIRST, SPI_MODE0);

Chip chip = NONE;
uint8_t chipSelect = 10;

void select() {
  SPI.beginTransaction(SPI_SETTINGS);
  digitalWrite(chipSelect, LOW);
}

void deselect() {
  digitalWrite(chipSelect, HIGH);
  SPI.endTransaction();
}

// W5500 frames: 16-bit address, a control byte (block, read/write), then the data.
void w5500Transfer(uint16_t address, uint8_t block, bool writing, uint8_t *data, uint16_t length) {
  select();
  SPI.transfer(address >> 8);
  SPI.transfer(address & 0xFF);
  SPI.transfer((block << 3) | (writing ? 0x04 : 0x00));
  for (uint16_t index = 0; index < length; index++) {
    if (writing) {
      SPI.transfer(data[index]);
    } else {
      data[index] = SPI.transfer(0);
    }
  }
  deselect();
}

// W5100 frames: one byte per frame, 0xF0 to write or 0x0F to read, then a 16-bit address.
void w5100Transfer(uint16_t address, bool writing, uint8_t *data, uint16_t length) {
  for (uint16_t index = 0; index < length; index++) {
    select();
    SPI.transfer(writing ? 0xF0 : 0x0F);
    SPI.transfer((address + index) >> 8);
    SPI.transfer((address + index) & 0xFF);
    if (writing) {
      SPI.transfer(data[index]);
    } else {
      data[index] = SPI.transfer(0);
    }
    deselect();
  }
}

void commonTransfer(uint16_t address, bool writing, uint8_t *data, uint16_t length) {
  if (chip == W5500) {
    w5500Transfer(address, 0, writing, data, length);
  } else {
    w5100Transfer(address, writing, data, length);
  }
}

void socketTransfer(uint8_t socket, uint8_t offset, bool writing, uint8_t *data, uint16_t length) {
  if (chip == W5500) {
    w5500Transfer(offset, socket * 4 + 1, writing, data, length);
  } else {
    w5100Transfer(0x0400 + socket * 0x0100 + offset, writing, data, length);
  }
}

void writeCommon8(uint16_t address, uint8_t value) { commonTransfer(address, true, &value, 1); }

uint8_t readCommon8(uint16_t address) {
  uint8_t value = 0;
  commonTransfer(address, false, &value, 1);
  return value;
}

void writeSocket8(uint8_t socket, uint8_t offset, uint8_t value) { socketTransfer(socket, offset, true, &value, 1); }

uint8_t readSocket8(uint8_t socket, uint8_t offset) {
  uint8_t value = 0;
  socketTransfer(socket, offset, false, &value, 1);
  return value;
}

void writeSocket16(uint8_t socket, uint8_t offset, uint16_t value) {
  uint8_t bytes[2] = {uint8_t(value >> 8), uint8_t(value & 0xFF)};
  socketTransfer(socket, offset, true, bytes, 2);
}

uint16_t readSocket16(uint8_t socket, uint8_t offset) {
  uint8_t bytes[2];
  socketTransfer(socket, offset, false, bytes, 2);
  return (uint16_t(bytes[0]) << 8) | bytes[1];
}

// The free-size and received-size registers change while they are read: the datasheets say to
// read until two readings agree.
uint16_t readSocket16Stable(uint8_t socket, uint8_t offset) {
  uint16_t first;
  uint16_t second = readSocket16(socket, offset);
  do {
    first = second;
    second = readSocket16(socket, offset);
  } while (first != second);
  return second;
}

bool command(uint8_t socket, uint8_t value) {
  writeSocket8(socket, Sn_CR, value);
  unsigned long start = millis();
  while (readSocket8(socket, Sn_CR) != 0) {
    if (millis() - start > COMMAND_LIMIT_MS) {
      return false;
    }
  }
  return true;
}

void writeBuffer(uint8_t socket, uint16_t pointer, const uint8_t *data, uint16_t length) {
  if (chip == W5500) {
    // The W5500 wraps the pointer inside the socket's buffer by itself.
    w5500Transfer(pointer, socket * 4 + 2, true, const_cast<uint8_t *>(data), length);
    return;
  }
  uint16_t base = W5100_TX_BASE + socket * W5100_BUFFER_SIZE;
  uint16_t offset = pointer & W5100_BUFFER_MASK;
  uint16_t first = min(length, uint16_t(W5100_BUFFER_SIZE - offset));
  w5100Transfer(base + offset, true, const_cast<uint8_t *>(data), first);
  if (first < length) {
    w5100Transfer(base, true, const_cast<uint8_t *>(data) + first, length - first);
  }
}

void readBuffer(uint8_t socket, uint16_t pointer, uint8_t *data, uint16_t length) {
  if (chip == W5500) {
    w5500Transfer(pointer, socket * 4 + 3, false, data, length);
    return;
  }
  uint16_t base = W5100_RX_BASE + socket * W5100_BUFFER_SIZE;
  uint16_t offset = pointer & W5100_BUFFER_MASK;
  uint16_t first = min(length, uint16_t(W5100_BUFFER_SIZE - offset));
  w5100Transfer(base + offset, false, data, first);
  if (first < length) {
    w5100Transfer(base, false, data + first, length - first);
  }
}

bool softReset() {
  writeCommon8(MR, MR_RESET);
  unsigned long start = millis();
  while (readCommon8(MR) & MR_RESET) {
    if (millis() - start > RESET_LIMIT_MS) {
      return false;
    }
  }
  return true;
}

} // namespace

Chip begin(uint8_t csPin, const uint8_t mac[6], const uint8_t ip[4], const uint8_t gateway[4],
           const uint8_t subnet[4]) {
  chipSelect = csPin;
  pinMode(chipSelect, OUTPUT);
  digitalWrite(chipSelect, HIGH);
  SPI.begin();
  // Only a W5500 has a version register that reads 4; a W5100 ignores W5500 frames.
  chip = W5500;
  if (!softReset() || readCommon8(W5500_VERSIONR) != W5500_VERSION) {
    chip = W5100;
    // A W5100 keeps what is written to its mode register; a bus with nothing on it does not.
    if (!softReset()) {
      chip = NONE;
      return NONE;
    }
    writeCommon8(MR, 0x10);
    bool answers = readCommon8(MR) == 0x10;
    writeCommon8(MR, 0x00);
    if (!answers) {
      chip = NONE;
      return NONE;
    }
    writeCommon8(W5100_RMSR, 0x55);
    writeCommon8(W5100_TMSR, 0x55);
  }
  commonTransfer(SHAR, true, const_cast<uint8_t *>(mac), 6);
  commonTransfer(SIPR, true, const_cast<uint8_t *>(ip), 4);
  commonTransfer(GAR, true, const_cast<uint8_t *>(gateway), 4);
  commonTransfer(SUBR, true, const_cast<uint8_t *>(subnet), 4);
  return chip;
}

const char *chipName() { return chip == W5500 ? "w5500" : chip == W5100 ? "w5100" : "none"; }

uint8_t status(uint8_t socket) { return readSocket8(socket, Sn_SR); }

bool listen(uint8_t socket, uint16_t port) {
  command(socket, CMD_CLOSE);
  writeSocket8(socket, Sn_IR, 0xFF);
  writeSocket8(socket, Sn_MR, MODE_TCP);
  writeSocket16(socket, Sn_PORT, port);
  if (!command(socket, CMD_OPEN) || status(socket) != INIT) {
    command(socket, CMD_CLOSE);
    return false;
  }
  return command(socket, CMD_LISTEN) && status(socket) == LISTEN;
}

uint16_t available(uint8_t socket) { return readSocket16Stable(socket, Sn_RX_RSR); }

uint16_t read(uint8_t socket, uint8_t *buffer, uint16_t length) {
  uint16_t count = min(length, available(socket));
  if (count == 0) {
    return 0;
  }
  uint16_t pointer = readSocket16(socket, Sn_RX_RD);
  readBuffer(socket, pointer, buffer, count);
  writeSocket16(socket, Sn_RX_RD, pointer + count);
  command(socket, CMD_RECV);
  return count;
}

bool write(uint8_t socket, const uint8_t *data, uint16_t length) {
  unsigned long start = millis();
  while (length > 0) {
    uint8_t state = status(socket);
    if (state != ESTABLISHED && state != CLOSE_WAIT) {
      return false;
    }
    uint16_t free = readSocket16Stable(socket, Sn_TX_FSR);
    if (free == 0) {
      if (millis() - start > SEND_LIMIT_MS) {
        return false;
      }
      continue;
    }
    uint16_t chunk = min(length, free);
    uint16_t pointer = readSocket16(socket, Sn_TX_WR);
    writeBuffer(socket, pointer, data, chunk);
    writeSocket16(socket, Sn_TX_WR, pointer + chunk);
    if (!command(socket, CMD_SEND)) {
      return false;
    }
    // Wait until the chip has sent it: the next chunk must not overtake it.
    for (;;) {
      uint8_t interrupts = readSocket8(socket, Sn_IR);
      if (interrupts & IR_SEND_OK) {
        writeSocket8(socket, Sn_IR, IR_SEND_OK);
        break;
      }
      if ((interrupts & IR_TIMEOUT) || status(socket) == CLOSED || millis() - start > SEND_LIMIT_MS) {
        writeSocket8(socket, Sn_IR, IR_TIMEOUT);
        return false;
      }
    }
    data += chunk;
    length -= chunk;
  }
  return true;
}

void disconnect(uint8_t socket) {
  command(socket, CMD_DISCON);
  unsigned long start = millis();
  while (status(socket) != CLOSED) {
    if (millis() - start > SEND_LIMIT_MS) {
      break;
    }
  }
  command(socket, CMD_CLOSE);
}

void close(uint8_t socket) { command(socket, CMD_CLOSE); }

} // namespace w5x00
