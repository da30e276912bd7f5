import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

interface Props {
  /** How long to hold, in ms. */
  holdMs: number;
  onConfirm: () => void;
  hint: string;
  children: ReactNode;
  disabled?: boolean;
  className?: string;
}

/** A button that acts only after being held down (pointer, or Space/Enter) for `holdMs`:
 * a stray tap does nothing. The fill shows how far along the hold is. */
export function HoldButton({ holdMs, onConfirm, hint, children, disabled, className = '' }: Props) {
  const [progress, setProgress] = useState(0);
  const started = useRef<number | null>(null);
  const frame = useRef<number | null>(null);
  const confirm = useRef(onConfirm);
  confirm.current = onConfirm;
  const hintId = useId();

  const stop = () => {
    started.current = null;
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
    setProgress(0);
  };

  const tick = () => {
    if (started.current === null) return;
    const done = Math.min(1, (performance.now() - started.current) / holdMs);
    setProgress(done);
    if (done >= 1) {
      stop();
      confirm.current();
      return;
    }
    frame.current = requestAnimationFrame(tick);
  };

  const start = () => {
    if (disabled || started.current !== null) return;
    started.current = performance.now();
    frame.current = requestAnimationFrame(tick);
  };

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
  }, []);

  return (
    <>
      <button
        type="button"
        className={`hold-button ${className}`}
        disabled={disabled}
        aria-describedby={hintId}
        style={{ ['--hold' as string]: String(progress) }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture?.(e.pointerId);
          start();
        }}
        onPointerUp={stop}
        onPointerCancel={stop}
        onPointerLeave={stop}
        onKeyDown={(e) => {
          if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) {
            e.preventDefault();
            start();
          } else if (e.key === ' ' || e.key === 'Enter') {
            e.preventDefault();
          }
        }}
        onKeyUp={(e) => {
          if (e.key === ' ' || e.key === 'Enter') stop();
        }}
        onBlur={stop}
        onClick={(e) => e.preventDefault()}
        data-progress={progress.toFixed(2)}
      >
        <span className="hold-fill" aria-hidden="true" />
        <span className="hold-label">{children}</span>
      </button>
      <p id={hintId} className="hint">
        {hint}
      </p>
    </>
  );
}
