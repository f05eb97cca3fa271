/** Any RFC 4122-shaped UUID, case-insensitive: the form of every id Pulse stores or accepts. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
