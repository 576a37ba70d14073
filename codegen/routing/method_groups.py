"""Routes keyed by path and method: `GET /books` and `POST /books` are two [[route]] tables.

Routes whose paths match the same requests form a group. The path matcher knows only the
group's first route (its leader); dispatch then walks the group to the route that accepts
the request's method, and a method none accepts gets 405 with the group's Allow header.
Because path parameters take the first slots of every route, the values the leader's
matcher stores are where each member of the group reads them.
"""

from __future__ import annotations

from ..spec.model import METHODS, Literal


def path_shape(segments) -> tuple:
    """What a path matches, parameter names aside: ("/books/", "{int}")."""
    return tuple(s.text if isinstance(s, Literal) else "{" + s.param.kind + "}" for s in segments)


def overlap_problem(url: str, methods: tuple, other_index: int, other_url: str, other_methods: tuple):
    """(message, hint) when a route cannot share its path with an earlier one, else None."""
    common = [m for m in methods if m in other_methods]
    if common:
        listed = ", ".join(common)
        if other_url == url:
            return (f'{listed} "{url}" is already answered by route[{other_index}]',
                    "one route per path and method: give this route other methods, or merge the two")
        return (f'"{url}" matches the same requests as route[{other_index}] "{other_url}" (both answer {listed})',
                None)
    if other_url != url:
        return (f'"{url}" matches the same requests as route[{other_index}] "{other_url}"',
                f'routes sharing a path must write it the same way: "{other_url}"')
    return None


class Groups:
    """The method groups of one build's routes (emit's route views, in build order)."""

    def __init__(self, views: list):
        self.members: dict[tuple, list] = {}
        for view in views:
            if view.route.static is None:
                self.members.setdefault(path_shape(view.route.segments), []).append(view)
        self.by_number = {}
        for members in self.members.values():
            allow = tuple(m for m in METHODS if any(m in v.route.methods for v in members))
            for i, view in enumerate(members):
                following = members[i + 1].number if i + 1 < len(members) else -1
                self.by_number[view.number] = (members[0], following, ", ".join(allow))

    def is_leader(self, view) -> bool:
        """Whether the path matcher names this route (the first of its group, or static)."""
        return view.route.static is not None or self.by_number[view.number][0] is view

    def members_of(self, view) -> list:
        """Every route on this route's path (itself alone when static)."""
        if view.number in self.by_number:
            return self.members[path_shape(view.route.segments)]
        return [view]

    def next_method_route(self, view) -> int:
        """The next route on the same path, -1 for the last."""
        return self.by_number[view.number][1] if view.number in self.by_number else -1

    def allow(self, view) -> str:
        """The Allow header of a 405 on this route's path: every method of the group."""
        if view.number in self.by_number:
            return self.by_number[view.number][2]
        return ", ".join(view.route.methods)
