// Reads of one thing the page shows (a list, the header's counts) may overlap: a read-back after the feed
// reconnects, a read for a change the feed brought, one the user asked for. The one started last is
// shown, whichever answers first, so that an older answer landing last does not take back a newer one.
export class LatestRead {
  /** @param marker an element whose `data-answered` counts the reads that have answered, for the tests to know when an overlapping one came back */
  constructor(marker) {
    this.marker = marker;
    this.reads = 0;
    this.latest = null;
    this.answered = 0;
  }

  /**
   * Runs `read` and hands its answer to `show`, unless a read started later is under way or shown: this
   * one then settles as that one does, so that a caller waiting (a read-back) learns whether what is
   * shown was read. With `byUser` (a read the user asked for) the answer is this read's own outcome
   * instead: it fails only when this read failed and no read started later showed what it was for. A
   * later read's failure is not the user's to be told of: that read's caller handles it.
   */
  run(read, show, { byUser = false } = {}) {
    const generation = ++this.reads;
    let superseded = false;
    let ownFailure = null;
    const settled = (async () => {
      let answer;
      try {
        answer = await read();
      } catch (error) {
        if (generation === this.reads) throw error;
        superseded = true;
        ownFailure = error;
        return this.latest;
      } finally {
        this.marker.dataset.answered = ++this.answered;
      }

      if (generation === this.reads) return show(answer);
      superseded = true;
      return this.latest;
    })();
    this.latest = settled;
    if (!byUser) return settled;
    return settled.catch(error => {
      if (ownFailure || !superseded) throw ownFailure ?? error;
    });
  }
}
