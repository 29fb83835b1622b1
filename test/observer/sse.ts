import { get, type IncomingMessage } from 'node:http';

/** One server-sent event. */
export interface SseMessage {
  event: string;
  data: unknown;
}

/** A connection to an SSE endpoint whose messages a test awaits one by one. */
export interface SseStream {
  /** The next message of `event` that `match` accepts; earlier ones are dropped. */
  next(event: string, match?: (data: never) => boolean): Promise<SseMessage>;
  close(): void;
}

export function openSse(url: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const queue: SseMessage[] = [];
    let wake: (() => void) | undefined;
    const request = get(url, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`SSE ${url}: status ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end < 0) break;
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          queue.push({ event, data: JSON.parse(data) });
          wake?.();
        }
      });
      resolve({
        async next(event, match) {
          for (;;) {
            while (queue.length > 0) {
              const message = queue.shift()!;
              if (message.event === event && (match === undefined || match(message.data as never)))
                return message;
            }
            await new Promise<void>((r) => (wake = r));
          }
        },
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}
