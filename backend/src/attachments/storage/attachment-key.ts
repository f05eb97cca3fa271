const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^${UUID}/${UUID}$`);

/**
 * Refuses anything but `<userId>/<attachmentId>`. Keys are Pulse's own, but they become file
 * paths and object names, so a key that is not two UUIDs (`../x`, an absolute path, a stray
 * slash) is a bug that must not reach the disk or the bucket. Lowercase only, as Postgres and
 * Pulse's user ids write UUIDs: on a case-insensitive disk (macOS, Windows) an uppercase key
 * would name another row's file.
 */
export function checkAttachmentKey(key: string): string {
  if (!KEY.test(key)) throw new RangeError(`not an attachment key (<uuid>/<uuid>): ${JSON.stringify(key)}`);
  return key;
}

export const isAttachmentKey = (key: string): boolean => KEY.test(key);
