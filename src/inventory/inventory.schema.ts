import { z } from 'zod';
import { HostNameSchema, LOGIN_NAME, nameSchema, TagNameSchema, ZoneNameSchema } from '../domain/index.js';

/** A DNS name, an IPv4 or an IPv6 address; never starting with "-" (it becomes an ssh argument). */
export const ADDRESS_PATTERN = /^(?:[A-Za-z0-9][A-Za-z0-9.:-]{0,252}|::[0-9A-Fa-f:.]{0,45})$/;
/** A file path: anything printable, no control characters. */
const PATH_PATTERN = /^[^\x00-\x1f\x7f]{1,4096}$/;

const Tag = TagNameSchema;
const Zone = ZoneNameSchema;
const FilePath = z.string().regex(PATH_PATTERN, 'expected a file path');

/** SSH settings any level (defaults, group, host) may set; the most specific wins. */
const settings = {
  user: nameSchema(LOGIN_NAME).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** Private key; relative to the inventory file's directory, `~` expands. Ignored when `agent: true`. */
  identity_file: FilePath.optional(),
  /** known_hosts file holding the host keys; relative to the inventory file's directory. @defaultValue ~/.ssh/known_hosts */
  known_hosts: FilePath.optional(),
  /** Use the SSH agent (SSH_AUTH_SOCK) instead of a key file. @defaultValue false */
  agent: z.boolean().optional(),
  /** Another host of this inventory to go through (ProxyJump). */
  jump: HostNameSchema.optional(),
  tags: z.array(Tag).optional(),
  zone: Zone.optional(),
};

export const DefaultsSchema = z.object(settings).strict();
export const GroupSchema = z.object(settings).strict();
export const HostEntrySchema = z
  .object({
    address: z.string().regex(ADDRESS_PATTERN, 'expected a DNS name or an IP address'),
    /** A group of this inventory whose settings apply. */
    group: Tag.optional(),
    ...settings,
  })
  .strict();
export type HostEntry = z.infer<typeof HostEntrySchema>;

export const InventorySchema = z
  .object({
    defaults: DefaultsSchema.optional(),
    groups: z.record(Tag, GroupSchema).optional(),
    hosts: z.record(HostNameSchema, HostEntrySchema),
  })
  .strict();
export type InventoryFile = z.infer<typeof InventorySchema>;
