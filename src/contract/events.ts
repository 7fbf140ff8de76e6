/** Something that can be released: a listener, a subscription, a connection. */
export interface Disposable {
  dispose(): void;
}

/** Events are `onSomething(...args, listener)` and return a disposer. */
export type Listener<T> = (value: T) => void;
