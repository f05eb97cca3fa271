const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^${UUID}/${UUID}$`, 'i');

/**
 * Refuses anything but `<userId>/<attachmentId>`. Keys are Pulse's own, but they become file
 * paths and object names, so a key that is not two UUIDs (`../x`, an absolute path, a stray
 * slash) is a bug that must not reach the disk or the bucket.
 */
export function checkAttachmentKey(key: string): string {
  if (!KEY.test(key)) throw new RangeError(`not an attachment key (<uuid>/<uuid>): ${JSON.stringify(key)}`);
  return key;
}
