"""The demo service (Vamp's "sava"): ``python -m vamp.demo`` serves a page and JSON showing its version.

Used by ``vamp up --demo`` and the tour to show traffic moving between versions, and, with
``--failure-rate`` and ``--latency``, to show releases rolled back automatically (and SLAs scaling a
service up and down as ``--latency-file`` comes and goes). It stands outside the
layers: it imports only the standard library and its own modules, so it runs anywhere Python does.

* ``options``  the command line and its defaults from the environment;
* ``answers``  the page, the JSON and the colour of a version (pure);
* ``latency``  the latency of an answer, from ``--latency`` or, changeable at run time, ``--latency-file``;
* ``server``   the HTTP/1.1 server and its clean stop on SIGTERM or SIGINT.
"""
