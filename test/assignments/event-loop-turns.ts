/**
 * Counts event-loop turns: a callback that re-queues itself with setImmediate runs once per
 * turn of the loop, so code that never yields lets it run zero times, whatever the clock says.
 */
export function countTurns(): { turns(): number; stop(): void } {
  let turns = 0;
  let counting = true;
  const turn = () => {
    turns++;
    if (counting) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    turns: () => turns,
    stop: () => {
      counting = false;
    },
  };
}
