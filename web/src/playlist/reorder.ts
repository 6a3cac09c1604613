/**
 * Drag to reorder with a pointer (mouse, touch, pen) on a row's handle: the rows are measured
 * as the pointer moves, the slot it is over is marked, and the drop moves the entry there. The
 * same handle moves the entry with the keyboard (arrows, Home, End) — see entry-list.tsx.
 */
import { useRef, useState } from 'preact/hooks';

export interface Drag {
  entryId: string;
  from: number;
  /** The slot the entry would drop into: 0..length, counted in the list as it is. */
  slot: number;
}

export interface Reorder {
  drag: Drag | undefined;
  start(event: PointerEvent, entryId: string, from: number): void;
}

/** `slot` (in the list with the entry) as an index in the list without it. */
export const indexForSlot = (drag: Drag): number => (drag.slot > drag.from ? drag.slot - 1 : drag.slot);

export function useReorder(list: () => HTMLElement | null, onDragging: (entryId: string | undefined) => void, onDrop: (entryId: string, index: number) => void): Reorder {
  const [drag, setDrag] = useState<Drag | undefined>();
  const current = useRef<Drag | undefined>(undefined);

  const slotAt = (y: number): number => {
    const rows = [...(list()?.querySelectorAll<HTMLElement>('[data-entry]') ?? [])];
    let slot = rows.length;
    for (let i = 0; i < rows.length; i += 1) {
      const rect = rows[i]!.getBoundingClientRect();
      if (y < rect.top + rect.height / 2) {
        slot = i;
        break;
      }
    }
    return slot;
  };

  const start = (event: PointerEvent, entryId: string, from: number) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const handle = event.currentTarget as HTMLElement;
    handle.setPointerCapture(event.pointerId);
    const begin: Drag = { entryId, from, slot: from };
    current.current = begin;
    setDrag(begin);
    onDragging(entryId);
    let frame = 0;
    const move = (e: PointerEvent) => {
      if (!current.current) return;
      // Near the window's edges the page scrolls, so a long list can be crossed.
      if (e.clientY < 48) scrollBy(0, -12);
      else if (e.clientY > innerHeight - 96) scrollBy(0, 12);
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (!current.current) return;
        const slot = slotAt(e.clientY);
        if (slot !== current.current.slot) {
          current.current = { ...current.current, slot };
          setDrag(current.current);
        }
      });
    };
    const finish = (commit: boolean) => {
      cancelAnimationFrame(frame);
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', cancel);
      removeEventListener('keydown', escape, true);
      const done = current.current;
      current.current = undefined;
      setDrag(undefined);
      onDragging(undefined);
      if (commit && done && done.slot !== done.from && done.slot !== done.from + 1) onDrop(done.entryId, indexForSlot(done));
    };
    const up = (e: PointerEvent) => {
      if (current.current) current.current = { ...current.current, slot: slotAt(e.clientY) };
      finish(true);
    };
    const cancel = () => finish(false);
    const escape = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        finish(false);
      }
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', cancel);
    addEventListener('keydown', escape, true);
  };

  return { drag, start };
}
