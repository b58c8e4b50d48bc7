import type { ComponentChildren } from 'preact';
import { parseInline, type Span } from './comments';

/** Markdown-lite text (comments.ts): bold, italics, code, links and the mentions of names, line breaks kept; never HTML. */
export function Markdown({ text, names = [] }: { text: string; names?: readonly string[] }) {
  return (
    <>
      {text.split('\n').map((line, i) => (
        <span key={i}>
          {i > 0 && <br />}
          {spans(parseInline(line, names))}
        </span>
      ))}
    </>
  );
}

function spans(list: Span[]): ComponentChildren {
  return list.map((s, i) => {
    switch (s.t) {
      case 'b':
        return <strong key={i}>{spans(s.c)}</strong>;
      case 'i':
        return <em key={i}>{spans(s.c)}</em>;
      case 'code':
        return <code key={i}>{s.s}</code>;
      case 'a':
        return (
          <a key={i} href={s.href} target="_blank" rel="noopener noreferrer nofollow">
            {s.s}
          </a>
        );
      case 'mention':
        return (
          <span key={i} class="mention">
            {s.s}
          </span>
        );
      default:
        return s.s;
    }
  });
}
