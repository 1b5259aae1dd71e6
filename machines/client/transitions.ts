/**
 * The transitions every component that talks to the API server has: `api.response` to the action
 * that hands responses to its API client, every `watch.*` event to the action that hands them to
 * its informers. Spread into a machine's `on`.
 */
export function apiClientTransitions<Response extends string, Watch extends string>(onResponse: Response, onWatch: Watch) {
  return {
    'api.response': { actions: onResponse },
    'watch.added': { actions: onWatch },
    'watch.modified': { actions: onWatch },
    'watch.deleted': { actions: onWatch },
    'watch.bookmark': { actions: onWatch },
    'watch.error': { actions: onWatch },
    'watch.closed': { actions: onWatch },
  } as const;
}
