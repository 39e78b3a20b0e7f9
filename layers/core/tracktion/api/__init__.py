"""The HTTP edge: builds Powertools resolvers and maps domain errors to the standard body.

Handlers in functions/<group>_api/ declare routes with these and call the domain modules;
the domain modules never import from here.
"""
