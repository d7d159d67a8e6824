"""Releases (issue 11): release policies, their statuses and their recorded decisions.

``policies.Releases`` reads and writes them for the API and for the release controller (see its module
docstring for the methods the controller calls and the rules they keep).
"""
