import { Types } from 'mongoose';

/** A new id: a MongoDB ObjectId in hex, in every store, so ids look alike and sort by creation. */
export function newId(): string {
  return new Types.ObjectId().toHexString();
}

/** Can `value` be an id of ours? Anything else is answered 404 without touching the store. */
export function isId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}
