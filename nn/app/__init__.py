"""The application on top of the library: the `chainrule` command line, the two-moons demo with
its plots, and the expression language behind `chainrule graph`."""
