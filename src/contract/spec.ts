import type { z } from 'zod';
import type { Disposable } from './events.js';

/** Names of members that are events: `onSomething(...args, listener) => Disposable`. */
export type EventNames<T> = {
  [K in keyof T]: K extends `on${string}` ? (T[K] extends (...args: never[]) => Disposable ? K : never) : never;
}[keyof T] &
  string;

/** Names of members that are methods: everything else, returning a Promise. */
export type MethodNames<T> = Exclude<
  {
    [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
  }[keyof T] &
    string,
  EventNames<T>
>;

/**
 * The runtime half of a capability: one argument schema per method and per event (the event's
 * arguments before the listener). The host validates every incoming call against it, so an
 * implementation never sees a wrong shape.
 */
export interface CapabilitySpec<T> {
  methods: { [K in MethodNames<T>]: z.ZodType };
  events: { [K in EventNames<T>]: z.ZodType };
}

/**
 * Declares a capability's schemas against its interface: a method missing from the schemas, or a
 * schema without a method, is a type error.
 */
export function defineCapability<T>() {
  return function withSchemas<S extends CapabilitySpec<T>>(spec: S & CapabilitySpec<T>): S {
    return spec;
  };
}
