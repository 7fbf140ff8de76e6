export { CecClient, CecSwitch, PHYSICAL_ADDRESS, type CecOptions, type TvPower } from './cec.js';
export { DriverBackend, type DriverBackendOptions } from './composite.js';
export { driverBackend, driversFileSchema, loadDriversFile, parseDriversFile, type DriversFile } from './config.js';
export { SerialMatrixDriver, type SerialMatrixOptions } from './serial-matrix.js';
export { ShellyDriver, type ShellyOptions } from './shelly.js';
export { TasmotaDriver, type TasmotaOptions } from './tasmota.js';
export type { PowerDriver, SwitchDriver } from './types.js';
