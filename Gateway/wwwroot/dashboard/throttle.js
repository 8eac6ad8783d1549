// Runs a piece of work at most once per interval however often it is asked for: the first request
// after a quiet interval runs at once, the ones that follow are gathered into one run when the
// interval is over. With `beforeFrame` the run waits for the next animation frame, so that DOM
// writes land together just before the browser paints (and not at all while the tab is hidden).
export class Throttle {
  constructor(work, interval, { beforeFrame = false } = {}) {
    this.work = work;
    this.interval = interval;
    this.beforeFrame = beforeFrame;
    this.last = -Infinity;
    this.pending = false;
    this.timer = null;
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, this.last + this.interval - performance.now());
    this.timer = setTimeout(() => (this.beforeFrame ? requestAnimationFrame(() => this.#run()) : this.#run()), wait);
  }

  cancel() {
    clearTimeout(this.timer);
    this.pending = false;
  }

  #run() {
    if (!this.pending) return;
    this.pending = false;
    this.last = performance.now();
    Promise.resolve(this.work()).catch(error => console.warn(error));
  }
}
