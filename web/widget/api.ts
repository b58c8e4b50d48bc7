import type { WidgetConfig } from './store';

/** The public methods of window.LiveDesk. */
export const METHODS = ['addContext', 'identify', 'reset', 'open', 'close', 'on'] as const;
export type Method = (typeof METHODS)[number];

/** A call made before the widget was ready: [method, arguments]. */
export type QueuedCall = [string, unknown[]];

/**
 * LoaderApi is window.LiveDesk as the loader leaves it: methods that queue
 * their calls, the queue, and the configuration read from the script tag.
 * The widget bundle replaces the methods with real ones and replays the queue.
 */
export interface LoaderApi {
  q: QueuedCall[];
  config: WidgetConfig;
  booted?: boolean;
}
