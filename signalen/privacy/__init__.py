"""Privacy guard: finds personal data of clients in Dutch free text before it is stored."""
