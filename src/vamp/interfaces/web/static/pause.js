// Waiting inside a view: a pause that ends early when the user leaves the view, and leaves no listener
// behind on the view's signal either way (a view that polls pauses hundreds of times on one signal).

// Resolves after `ms`, or at once when `signal` aborts.
export function pause(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
