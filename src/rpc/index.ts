export * from './client.js';
export * from './codec.js';
export * from './messages.js';
export * from './server.js';
export * from './transport.js';
export * from './ipc.js';
export * from './websocket.js';
