"""Libraries the stages and the readers share, with typed inputs and no run state: the marts'
contract, the lake schema, the paper record, topics, claims, set-aside papers, errors."""
