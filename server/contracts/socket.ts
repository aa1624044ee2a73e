import type { AuditTailInput, AuditTailPush } from './audit.js';
import type { CommentAnswer, CommentCreateEvent } from './comments.js';
import type { PageViewResult } from './page-routes.js';
import type { SignOutReason } from './sign-out.js';
import type {
  Ack,
  ChatMessageDTO,
  CommentDTO,
  FeedEventType,
  FeedCatchupInput,
  FeedSubscribeInput,
  FindingSummaryDTO,
  MessageSendInput,
  PageViewInput,
  NotificationPushed,
  NotificationCountsPushed,
  PresenceVisibilityInput,
  PresenceChanged,
  PresenceJoinResult,
  PresenceTarget,
  ProjectSummaryDTO,
  ReportSummaryDTO,
  TypingChanged,
} from './realtime.js';

/**
 * The whole socket protocol as types, used by the server's `Server<…>` and the browser's
 * `Socket<…>`: a misspelt event name or a payload of the wrong shape fails to compile on either
 * side. The runtime schemas of the client→server payloads are in `realtime.ts` / `comments.ts`.
 */

/** What each feed event carries, as presented for its audience. */
export interface FeedEventData {
  'comment:created': CommentDTO;
  'comment:updated': CommentDTO;
  /** Staff get `{ id, findingId }` for a comment that no longer exists. */
  'comment:deleted': CommentDTO | { id: string; findingId: string };
  'message:created': ChatMessageDTO;
  'message:updated': ChatMessageDTO;
  'message:deleted': ChatMessageDTO;
  'finding:published': FindingSummaryDTO;
  'finding:unpublished': { id: string };
  'finding:updated': FindingSummaryDTO;
  'report:published': ReportSummaryDTO;
  'report:unpublished': { id: string };
  'project:updated': ProjectSummaryDTO;
  'remediation:updated': FindingSummaryDTO;
}

/**
 * One pushed feed event of type `K`: its log position (strictly increasing), client and payload.
 * Distributive: `FeedEvent<'a' | 'b'>` is `FeedEvent<'a'> | FeedEvent<'b'>`, discriminated by `type`.
 */
export type FeedEvent<K extends FeedEventType = FeedEventType> = K extends FeedEventType
  ? { position: number; clientId: string; type: K; at: string; data: FeedEventData[K] }
  : never;
/** Any feed event, discriminated by `type`. */
export type AnyFeedEvent = FeedEvent;

/**
 * Caught-up events in order, or `resync: true` when the gap is older than the log keeps (reload
 * your data). A long gap comes in parts: `next` is where the following part starts (ask
 * `feed:catchup { after: next, until: position }`), null when this part was the last.
 */
export type FeedSubscribeResult = { position: number; events: AnyFeedEvent[]; resync: boolean; next: number | null };
/** The next part of a catch-up (`next` as above), or `resync: true` when the log no longer holds it. */
export type FeedCatchupResult = { events: AnyFeedEvent[]; resync: boolean; next: number | null };

/** Pushes that are not feed events (no position; not caught up after a reconnect). */
export interface PushEvents {
  'notification:created': NotificationPushed;
  'notifications:counted': NotificationCountsPushed;
  /** The outbox changed (firm admins only): the Outbox page reads it again. No data. */
  'outbox:changed': Record<string, never>;
  'presence:changed': PresenceChanged;
  'typing:changed': TypingChanged;
  /** Staff Audit page, live tail: new matching rows, at most one push a second. */
  'audit:rows': AuditTailPush;
  /** The live tail stopped: the viewer may no longer read the audit log. */
  'audit:tail-ended': Record<string, never>;
  /** The firm's brand changed: reload /brand.css, the favicon and GET /api/brand (no data: the brand is public anyway). */
  'brand:updated': Record<string, never>;
  /**
   * The organisation's visible fields or modules changed: the page reads its data (and the menu
   * its padlocks) again through the API, which applies the new settings. No data: a push
   * carrying fields could outrun the setting that hides them.
   */
  'portal:reconfigured': Record<string, never>;
  /** This session was ended for a reason (contracts/sign-out.ts), sent just before the server disconnects the socket. */
  'session:ended': { reason: SignOutReason };
}
export type PushEvent = keyof PushEvents;

/** Server → browser. */
export type ServerToClientEvents = { [K in FeedEventType]: (e: FeedEvent<K>) => void } & { [K in PushEvent]: (p: PushEvents[K]) => void };

/** Browser → server: each event's payload and what its ack answers. */
export interface Requests {
  'feed:subscribe': { input: FeedSubscribeInput; result: FeedSubscribeResult };
  'feed:catchup': { input: FeedCatchupInput; result: FeedCatchupResult };
  'presence:join': { input: { target: PresenceTarget }; result: PresenceJoinResult };
  'presence:leave': { input: { target: PresenceTarget }; result: Record<string, never> };
  /** The page's tab became visible or hidden: nothing about a page open in a visible tab makes an unread item or a mail. */
  'presence:visibility': { input: PresenceVisibilityInput; result: Record<string, never> };
  'typing:start': { input: { target: PresenceTarget }; result: Record<string, never> };
  'typing:stop': { input: { target: PresenceTarget }; result: Record<string, never> };
  'message:send': { input: MessageSendInput; result: { message: ChatMessageDTO } };
  'comment:create': { input: CommentCreateEvent; result: CommentAnswer };
  /** The page the SPA shows now, for the audit trail (`contracts/page-routes.ts`). */
  'page:view': { input: PageViewInput; result: PageViewResult };
  'audit:tail': { input: AuditTailInput; result: { position: number } };
}
export type RequestEvent = keyof Requests;

export type ClientToServerEvents = { [K in RequestEvent]: (input: Requests[K]['input'], ack: (a: Ack<Requests[K]['result']>) => void) => void };
