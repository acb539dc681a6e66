export { createHostDirectory, type InventoryDirectory } from './host-directory.js';
export { InvalidTargetError, InventoryError, UnknownHostError } from './inventory-errors.js';
export { ADDRESS_PATTERN, InventorySchema, type HostEntry, type InventoryFile } from './inventory.schema.js';
export { DEFAULT_KNOWN_HOSTS, DEFAULT_PORT, DEFAULT_USER, DEFAULT_ZONE, loadInventory, parseInventory, pathExpander, type InventoryOptions } from './load-inventory.js';
export { editDistance, nearestNames } from './nearest-names.js';
