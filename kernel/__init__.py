"""The kernel: what every product app may import and which imports none of them (roles and
permissions, locking, task enqueueing, audit, input cleaning, the PDF base class and fonts)."""
