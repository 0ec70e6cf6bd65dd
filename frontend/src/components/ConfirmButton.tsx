import { useEffect, useState } from 'preact/hooks';

/**
 * A button for something that cannot be undone: the first click arms it
 * (it then reads `confirm`), the second acts. It disarms itself after 4 s.
 */
export function ConfirmButton(p: {
  label: string;
  confirm: string;
  testId: string;
  title: string;
  ariaLabel?: string;
  ariaLabelArmed?: string;
  disabled: boolean;
  onConfirm: () => void;
}) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const t = window.setTimeout(() => setArmed(false), 4000);
    return () => window.clearTimeout(t);
  }, [armed]);
  return (
    <button
      type="button"
      class={`btn btn-quiet btn-small${armed ? ' btn-danger' : ''}`}
      data-testid={p.testId}
      disabled={p.disabled}
      aria-label={armed ? p.ariaLabelArmed : p.ariaLabel}
      title={p.title}
      onClick={() => {
        setArmed(!armed);
        if (armed) p.onConfirm();
      }}
    >
      {armed ? p.confirm : p.label}
    </button>
  );
}
