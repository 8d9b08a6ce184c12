import { ObjectId } from 'bson';

/**
 * A new id: a MongoDB ObjectId in hex (the `bson` one mongoose uses), in every store of every
 * service, so ids look alike and sort by creation.
 */
export function newId(): string {
  return new ObjectId().toHexString();
}

/** Can `value` be an id of ours? Anything else is answered 404 without touching the store. */
export function isId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}
