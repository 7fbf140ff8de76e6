/**
 * The xpra options Kubedesk runs with, in one place: the app pods' servers, the display node's
 * attaches, and the tests and benchmarks that run xpra by hand for comparison.
 */

/**
 * A server for one app and nothing else: no mDNS, sound, printing, file transfer, D-Bus, HTML
 * client or OpenGL, all of which a Pi app pod has no use for and some of which fail there.
 */
export const XPRA_SERVER_OPTIONS = [
  '--exit-with-children=yes',
  '--daemon=no',
  '--mdns=no',
  '--dbus-control=no',
  '--dbus-proxy=no',
  '--pulseaudio=no',
  '--notifications=no',
  '--webcam=no',
  '--printing=no',
  '--file-transfer=no',
  '--systemd-run=no',
  '--dbus-launch=',
  '--html=off',
  '--speaker=off',
  '--microphone=off',
  '--opengl=no',
  // xpra expands $XAUTHORITY itself; a 1080p virtual screen, what an HDMI screen shows.
  '--xvfb=Xvfb +extension Composite -screen 0 1920x1080x24+32 -nolisten tcp -noreset -auth $XAUTHORITY',
];

/** An attach that only shows windows and types: no sound, tray, notifications or mmap. */
export const XPRA_ATTACH_OPTIONS = [
  '--mdns=no',
  '--speaker=off',
  '--microphone=off',
  '--notifications=no',
  '--tray=no',
  '--opengl=no',
  '--webcam=no',
  '--mmap=no',
];
