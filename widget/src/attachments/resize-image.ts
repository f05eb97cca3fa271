/** Longest side of an image after resizing: what vision models look at anyway. */
const MAX_SIDE = 2048;

/**
 * A big photo made small before it is uploaded: at most MAX_SIDE pixels on its longest side,
 * re-encoded as WebP (which keeps transparency) or JPEG where the browser cannot write WebP,
 * quality 0.85. The name keeps its stem and takes the new type's extension, since the server
 * refuses a name that says another type than the bytes. Whatever does not get smaller, or
 * cannot be decoded here, goes up as it is and the server decides.
 */
export async function resizeImage(file: File): Promise<File> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  let blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
  // A browser that cannot write WebP hands back PNG instead.
  if (blob.type !== 'image/webp') blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  return blob.size < file.size
    ? new File([blob], file.name.replace(/(\.\w+)?$/, '.' + blob.type.slice(6)), { type: blob.type })
    : file;
}
