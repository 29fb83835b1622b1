// The node layer's control messages, as a carrier moves them in batches.
//
// A batch is one flat array: each control message is its operation code followed by
// a fixed number of fields (`ARITY` below), so that a structured clone copies one array
// of plain values rather than one small array per message. Pids of the sending node go
// as their numbers (the connection knows the node and its creation), pids of the
// receiving node as number and creation, anything else through the codec.

/** Operation codes: Erlang's `DOP_*` numbers, and three of ours for gen's call and cast. */
export const Op = {
  LINK: 1,
  SEND: 2,
  EXIT: 3,
  REG_SEND: 6,
  EXIT2: 8,
  MONITOR_P: 19,
  DEMONITOR_P: 20,
  MONITOR_P_EXIT: 21,
  ALIAS_SEND: 33,
  SPAWN_REQUEST: 29,
  SPAWN_REPLY: 31,
  UNLINK_ID: 35,
  UNLINK_ID_ACK: 36,
  /** SEND of `{'$gen_cast', Msg}`: a GenServer cast. */
  SEND_CAST: 102,
  /** SEND of `{'$gen_call', {From, Ref}, Req}`: a call (`system` for Sys). */
  SEND_CALL: 103,
  /** REG_SEND of a cast. */
  REG_CAST: 106,
  /** REG_SEND of a call. */
  REG_CALL: 107,
  /** The answer to a call whose reply cannot be copied: the caller gets the TypeError. */
  ALIAS_SEND_ERROR: 133,
} as const;

/** How many fields follow each operation code. @internal */
export const ARITY: Readonly<Record<number, number>> = {
  [Op.LINK]: 3, // fromId, toId, toCreation
  [Op.SEND]: 3, // toId, toCreation, msg
  [Op.EXIT]: 3, // fromId, toId, reason
  [Op.REG_SEND]: 3, // fromId (-1: none), name, msg
  [Op.EXIT2]: 4, // fromId, toId, toCreation, reason
  [Op.MONITOR_P]: 4, // fromId (-1: none), to (id or name), toCreation, refId
  [Op.DEMONITOR_P]: 1, // refId
  [Op.MONITOR_P_EXIT]: 2, // refId, reason
  [Op.ALIAS_SEND]: 2, // refId, msg
  [Op.SPAWN_REQUEST]: 6, // reqId, parentId (-1: none), module, export, arg, opts
  [Op.SPAWN_REPLY]: 3, // reqId, ok, pid id or error
  [Op.UNLINK_ID]: 3, // unlinkId, fromId, toId
  [Op.UNLINK_ID_ACK]: 3, // unlinkId, fromId, toId
  [Op.SEND_CAST]: 3, // toId, toCreation, msg
  [Op.SEND_CALL]: 6, // toId, toCreation, fromId (-1: none), refId, system, request
  [Op.REG_CAST]: 2, // name, msg
  [Op.REG_CALL]: 5, // name, fromId, refId, system, request
  [Op.ALIAS_SEND_ERROR]: 2, // refId, error
};

/** The id sent for "no process" (a call from outside any process). @internal */
export const NO_PID = -1;
