// How the broadcast looks to a visitor, drawn from the form as it is
// typed: a banner at the top or bottom of a page or inside the widget's
// panel, or a chat message in the widget. A sketch, not the widget itself
// (that is another bundle): the place, the text as plain text, the button.
import type { Draft } from './draft';

export function Preview({ d, sender }: { d: Draft; sender: string }) {
  const text = d.text.trim() || 'Your text';
  const button = d.kind === 'banner' && d.button && d.label.trim();
  const banner = (
    <div class="bc-banner">
      <span class="bc-text">{text}</span>
      {button && <span class="bc-button">{d.label.trim()}</span>}
      <span class="bc-close" aria-hidden="true">
        ×
      </span>
    </div>
  );
  const where = d.kind === 'message' ? 'as a chat message in the widget' : d.placement === 'widget' ? 'inside the chat widget' : `at the ${d.placement} of the page`;
  return (
    <figure class="bc-preview">
      <figcaption>Preview: {where}</figcaption>
      <div class={`bc-page ${d.kind === 'banner' ? d.placement : 'widget'}`}>
        {d.kind === 'banner' && d.placement !== 'widget' ? (
          banner
        ) : (
          <div class="bc-widget">
            <div class="bc-widget-head">Chat with us</div>
            {d.kind === 'banner' ? (
              banner
            ) : (
              <div class="bc-message">
                <span class="avatar small" aria-hidden="true">
                  {(sender || '?').slice(0, 1).toUpperCase()}
                </span>
                <div>
                  <span class="bc-sender">{sender || 'An agent'}</span>
                  <p class="bc-bubble">{text}</p>
                </div>
              </div>
            )}
          </div>
        )}
      </div>
    </figure>
  );
}
