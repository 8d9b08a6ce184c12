import { IncomingMessage } from 'node:http';

/** The three fields `kit.currentUser` sets on a request, held together off the request object. */
type Slots = Record<(typeof FIELDS)[number], unknown>;

const FIELDS = ['currentUser', 'caller', 'authError'] as const;

/** Each request's fields, for as long as the request lives. */
const slots = new WeakMap<object, Slots>();

/**
 * Make `req.currentUser`, `req.caller` and `req.authError` accessors on Node's
 * `IncomingMessage.prototype`, backed by a `WeakMap` keyed by the request, once per process.
 *
 * Why: Express gives every request a new prototype (`Object.setPrototypeOf(req, app.request)`),
 * and V8 then adds each new property to that request on its slow path: about 1.5 µs per property
 * measured here, which made the two fields the kit set the largest cost of an authenticated request
 * after a cache hit. An accessor the request inherits changes no shape. Reading a field that was
 * never set gives `undefined`, as before; assigning one (a test, another middleware) works as
 * before. Objects that do not inherit from `IncomingMessage` (a request built by hand in a test)
 * keep plain properties. A field some other code already defined on the prototype is left alone,
 * and so is a second copy of this package in the process (it finds the first one's accessors).
 */
export function installRequestAuthSlots(): void {
  const proto = IncomingMessage.prototype as object;
  for (const field of FIELDS) {
    if (Object.prototype.hasOwnProperty.call(proto, field)) continue;
    Object.defineProperty(proto, field, {
      configurable: true,
      enumerable: false,
      get(this: object): unknown {
        return slots.get(this)?.[field];
      },
      set(this: object, value: unknown) {
        let held = slots.get(this);
        if (held === undefined)
          slots.set(this, (held = { currentUser: undefined, caller: undefined, authError: undefined }));
        held[field] = value;
      },
    });
  }
}
