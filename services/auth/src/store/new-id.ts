import { randomBytes } from 'node:crypto';

const processUnique = randomBytes(5);
let counter = randomBytes(3).readUIntBE(0, 3);

/**
 * A new id with the layout of a MongoDB ObjectId (4-byte seconds, 5 bytes unique to this
 * process, 3-byte counter), so ids look the same in every store and sort in creation order.
 */
export function newId(): string {
  const id = Buffer.alloc(12);
  id.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
  processUnique.copy(id, 4);
  counter = (counter + 1) % 0x1000000;
  id.writeUIntBE(counter, 9, 3);
  return id.toString('hex');
}

/** Can `value` be an id of ours? Anything else is answered 404 without touching the store. */
export function isId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}
