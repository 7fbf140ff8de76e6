/**
 * The one Electron IPC channel the contract travels on. The preload repeats this string (it may
 * import nothing but electron); a unit test keeps the two equal.
 */
export const IPC_CHANNEL = 'kubedesk:rpc';
