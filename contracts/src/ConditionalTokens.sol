// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC1155Receiver.sol";

interface IERC20Like {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// A ConditionalTokens-compatible ERC-1155, written for the sandbox from the public interface
/// of gnosis/conditional-tokens-contracts: the same function signatures, events, id derivation
/// (conditionId, the alt_bn128 collection id of CTHelpers, positionId) and payout semantics.
/// Nested positions (a non-zero parent collection) are not supported: Polymarket never uses them.
contract ConditionalTokens {
    // --- ERC-1155 ---------------------------------------------------------------------
    event TransferSingle(
        address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value
    );
    event TransferBatch(
        address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values
    );
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    event URI(string value, uint256 indexed id);

    // --- ConditionalTokens ------------------------------------------------------------
    event ConditionPreparation(
        bytes32 indexed conditionId, address indexed oracle, bytes32 indexed questionId, uint256 outcomeSlotCount
    );
    event ConditionResolution(
        bytes32 indexed conditionId,
        address indexed oracle,
        bytes32 indexed questionId,
        uint256 outcomeSlotCount,
        uint256[] payoutNumerators
    );
    event PositionSplit(
        address indexed stakeholder,
        address collateralToken,
        bytes32 indexed parentCollectionId,
        bytes32 indexed conditionId,
        uint256[] partition,
        uint256 amount
    );
    event PositionsMerge(
        address indexed stakeholder,
        address collateralToken,
        bytes32 indexed parentCollectionId,
        bytes32 indexed conditionId,
        uint256[] partition,
        uint256 amount
    );
    event PayoutRedemption(
        address indexed redeemer,
        address indexed collateralToken,
        bytes32 indexed parentCollectionId,
        bytes32 conditionId,
        uint256[] indexSets,
        uint256 payout
    );

    mapping(uint256 => mapping(address => uint256)) private _balances;
    mapping(address => mapping(address => bool)) private _operatorApprovals;

    /// Numerators per outcome slot; the array length is the slot count once prepared.
    mapping(bytes32 => uint256[]) public payoutNumerators;
    /// Non-zero exactly when the condition is resolved.
    mapping(bytes32 => uint256) public payoutDenominator;

    uint256 private constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 private constant B = 3;

    // --- conditions ---------------------------------------------------------------------

    function prepareCondition(address oracle, bytes32 questionId, uint256 outcomeSlotCount) external {
        require(outcomeSlotCount <= 256, "too many outcome slots");
        require(outcomeSlotCount > 1, "there should be more than one outcome slot");
        bytes32 conditionId = getConditionId(oracle, questionId, outcomeSlotCount);
        require(payoutNumerators[conditionId].length == 0, "condition already prepared");
        payoutNumerators[conditionId] = new uint256[](outcomeSlotCount);
        emit ConditionPreparation(conditionId, oracle, questionId, outcomeSlotCount);
    }

    /// Called by the oracle: the condition is identified by (msg.sender, questionId, slot count).
    function reportPayouts(bytes32 questionId, uint256[] calldata payouts) external {
        uint256 outcomeSlotCount = payouts.length;
        require(outcomeSlotCount > 1, "there should be more than one outcome slot");
        bytes32 conditionId = getConditionId(msg.sender, questionId, outcomeSlotCount);
        require(payoutNumerators[conditionId].length == outcomeSlotCount, "condition not prepared or found");
        require(payoutDenominator[conditionId] == 0, "payout denominator already set");
        uint256 den = 0;
        for (uint256 i = 0; i < outcomeSlotCount; i++) {
            uint256 num = payouts[i];
            den += num;
            require(payoutNumerators[conditionId][i] == 0, "payout numerator already set");
            payoutNumerators[conditionId][i] = num;
        }
        require(den > 0, "payout is all zeroes");
        payoutDenominator[conditionId] = den;
        emit ConditionResolution(conditionId, msg.sender, questionId, outcomeSlotCount, payoutNumerators[conditionId]);
    }

    function getOutcomeSlotCount(bytes32 conditionId) external view returns (uint256) {
        return payoutNumerators[conditionId].length;
    }

    // --- positions ------------------------------------------------------------------------

    function splitPosition(
        address collateralToken,
        bytes32 parentCollectionId,
        bytes32 conditionId,
        uint256[] calldata partition,
        uint256 amount
    ) external {
        uint256 fullIndexSet = _checkPartition(parentCollectionId, conditionId, partition);
        uint256 freeIndexSet = fullIndexSet;
        uint256[] memory positionIds = new uint256[](partition.length);
        uint256[] memory amounts = new uint256[](partition.length);
        for (uint256 i = 0; i < partition.length; i++) {
            freeIndexSet ^= partition[i];
            positionIds[i] = getPositionId(collateralToken, getCollectionId(parentCollectionId, conditionId, partition[i]));
            amounts[i] = amount;
        }
        if (freeIndexSet == 0) {
            require(IERC20Like(collateralToken).transferFrom(msg.sender, address(this), amount), "could not receive collateral tokens");
        } else {
            _burn(msg.sender, getPositionId(collateralToken, getCollectionId(parentCollectionId, conditionId, fullIndexSet ^ freeIndexSet)), amount);
        }
        _mintBatch(msg.sender, positionIds, amounts);
        emit PositionSplit(msg.sender, collateralToken, parentCollectionId, conditionId, partition, amount);
    }

    function mergePositions(
        address collateralToken,
        bytes32 parentCollectionId,
        bytes32 conditionId,
        uint256[] calldata partition,
        uint256 amount
    ) external {
        uint256 fullIndexSet = _checkPartition(parentCollectionId, conditionId, partition);
        uint256 freeIndexSet = fullIndexSet;
        for (uint256 i = 0; i < partition.length; i++) {
            freeIndexSet ^= partition[i];
            _burn(msg.sender, getPositionId(collateralToken, getCollectionId(parentCollectionId, conditionId, partition[i])), amount);
        }
        if (freeIndexSet == 0) {
            require(IERC20Like(collateralToken).transfer(msg.sender, amount), "could not send collateral tokens");
        } else {
            _mint(msg.sender, getPositionId(collateralToken, getCollectionId(parentCollectionId, conditionId, fullIndexSet ^ freeIndexSet)), amount);
        }
        emit PositionsMerge(msg.sender, collateralToken, parentCollectionId, conditionId, partition, amount);
    }

    /// Burns the caller's whole balance of each position and pays stake × Σnumerators / denominator.
    /// A zero balance pays nothing and does not revert (the collateral trap the service guards).
    function redeemPositions(
        address collateralToken,
        bytes32 parentCollectionId,
        bytes32 conditionId,
        uint256[] calldata indexSets
    ) external {
        require(parentCollectionId == bytes32(0), "nested positions not supported in the sandbox");
        uint256 den = payoutDenominator[conditionId];
        require(den > 0, "result for condition not received yet");
        uint256 outcomeSlotCount = payoutNumerators[conditionId].length;
        require(outcomeSlotCount > 0, "condition not prepared yet");
        uint256 totalPayout = 0;
        uint256 fullIndexSet = (1 << outcomeSlotCount) - 1;
        for (uint256 i = 0; i < indexSets.length; i++) {
            uint256 indexSet = indexSets[i];
            require(indexSet > 0 && indexSet < fullIndexSet, "got invalid index set");
            uint256 positionId = getPositionId(collateralToken, getCollectionId(parentCollectionId, conditionId, indexSet));
            uint256 payoutNumerator = 0;
            for (uint256 j = 0; j < outcomeSlotCount; j++) {
                if (indexSet & (1 << j) != 0) {
                    payoutNumerator += payoutNumerators[conditionId][j];
                }
            }
            uint256 payoutStake = _balances[positionId][msg.sender];
            if (payoutStake > 0) {
                totalPayout += payoutStake * payoutNumerator / den;
                _burn(msg.sender, positionId, payoutStake);
            }
        }
        if (totalPayout > 0) {
            require(IERC20Like(collateralToken).transfer(msg.sender, totalPayout), "could not transfer payout to message sender");
        }
        emit PayoutRedemption(msg.sender, collateralToken, parentCollectionId, conditionId, indexSets, totalPayout);
    }

    function _checkPartition(bytes32 parentCollectionId, bytes32 conditionId, uint256[] calldata partition)
        private
        view
        returns (uint256 fullIndexSet)
    {
        require(parentCollectionId == bytes32(0), "nested positions not supported in the sandbox");
        require(partition.length > 1, "got empty or singleton partition");
        uint256 outcomeSlotCount = payoutNumerators[conditionId].length;
        require(outcomeSlotCount > 0, "condition not prepared yet");
        fullIndexSet = (1 << outcomeSlotCount) - 1;
        uint256 seen = 0;
        for (uint256 i = 0; i < partition.length; i++) {
            uint256 indexSet = partition[i];
            require(indexSet > 0 && indexSet < fullIndexSet, "got invalid index set");
            require((seen & indexSet) == 0, "partition not disjoint");
            seen |= indexSet;
        }
    }

    // --- ids (CTHelpers) ---------------------------------------------------------------------

    function getConditionId(address oracle, bytes32 questionId, uint256 outcomeSlotCount)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(oracle, questionId, outcomeSlotCount));
    }

    /// The CTHelpers collection id: hash (conditionId, indexSet) onto alt_bn128 and, for a nested
    /// collection, add the parent's point (precompile 6); the square root uses modexp (precompile 5).
    function getCollectionId(bytes32 parentCollectionId, bytes32 conditionId, uint256 indexSet)
        public
        view
        returns (bytes32)
    {
        uint256 x1 = uint256(keccak256(abi.encodePacked(conditionId, indexSet)));
        bool odd = x1 >> 255 != 0;
        uint256 y1;
        uint256 yy;
        do {
            x1 = addmod(x1, 1, P);
            yy = addmod(mulmod(x1, mulmod(x1, x1, P), P), B, P);
            y1 = _sqrt(yy);
        } while (mulmod(y1, y1, P) != yy);
        if ((odd && y1 % 2 == 0) || (!odd && y1 % 2 == 1)) y1 = P - y1;

        uint256 x2 = uint256(parentCollectionId);
        if (x2 != 0) {
            odd = x2 >> 254 != 0;
            x2 = (x2 << 2) >> 2;
            yy = addmod(mulmod(x2, mulmod(x2, x2, P), P), B, P);
            uint256 y2 = _sqrt(yy);
            if ((odd && y2 % 2 == 0) || (!odd && y2 % 2 == 1)) y2 = P - y2;
            require(mulmod(y2, y2, P) == yy, "invalid parent collection ID");
            (bool success, bytes memory ret) = address(6).staticcall(abi.encode(x1, y1, x2, y2));
            require(success, "ecadd failed");
            (x1, y1) = abi.decode(ret, (uint256, uint256));
        }
        if (y1 % 2 == 1) x1 ^= 1 << 254;
        return bytes32(x1);
    }

    function getPositionId(address collateralToken, bytes32 collectionId) public pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(collateralToken, collectionId)));
    }

    /// x^((P+1)/4) mod P: a square root on alt_bn128's field (P ≡ 3 mod 4), via modexp.
    function _sqrt(uint256 x) private view returns (uint256) {
        (bool success, bytes memory ret) =
            address(5).staticcall(abi.encode(uint256(32), uint256(32), uint256(32), x, (P + 1) / 4, P));
        require(success, "modexp failed");
        return abi.decode(ret, (uint256));
    }

    // --- ERC-1155 ------------------------------------------------------------------------------

    function balanceOf(address owner, uint256 id) external view returns (uint256) {
        return _balances[id][owner];
    }

    function balanceOfBatch(address[] calldata owners, uint256[] calldata ids) external view returns (uint256[] memory out) {
        require(owners.length == ids.length, "ERC1155: length mismatch");
        out = new uint256[](owners.length);
        for (uint256 i = 0; i < owners.length; i++) out[i] = _balances[ids[i]][owners[i]];
    }

    function setApprovalForAll(address operator, bool approved) external {
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address owner, address operator) external view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0xd9b67a26 || interfaceId == 0x01ffc9a7;
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external {
        require(from == msg.sender || _operatorApprovals[from][msg.sender], "ERC1155: caller is not owner nor approved");
        require(to != address(0), "ERC1155: transfer to the zero address");
        _move(from, to, id, value);
        emit TransferSingle(msg.sender, from, to, id, value);
        if (to.code.length > 0) {
            require(
                IERC1155Receiver(to).onERC1155Received(msg.sender, from, id, value, data)
                    == IERC1155Receiver.onERC1155Received.selector,
                "ERC1155: ERC1155Receiver rejected tokens"
            );
        }
    }

    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata data
    ) external {
        require(from == msg.sender || _operatorApprovals[from][msg.sender], "ERC1155: caller is not owner nor approved");
        require(to != address(0), "ERC1155: transfer to the zero address");
        require(ids.length == values.length, "ERC1155: length mismatch");
        for (uint256 i = 0; i < ids.length; i++) _move(from, to, ids[i], values[i]);
        emit TransferBatch(msg.sender, from, to, ids, values);
        if (to.code.length > 0) {
            require(
                IERC1155Receiver(to).onERC1155BatchReceived(msg.sender, from, ids, values, data)
                    == IERC1155Receiver.onERC1155BatchReceived.selector,
                "ERC1155: ERC1155Receiver rejected tokens"
            );
        }
    }

    function _move(address from, address to, uint256 id, uint256 value) private {
        require(_balances[id][from] >= value, "ERC1155: insufficient balance for transfer");
        _balances[id][from] -= value;
        _balances[id][to] += value;
    }

    function _mint(address to, uint256 id, uint256 value) private {
        _balances[id][to] += value;
        emit TransferSingle(msg.sender, address(0), to, id, value);
    }

    function _mintBatch(address to, uint256[] memory ids, uint256[] memory values) private {
        for (uint256 i = 0; i < ids.length; i++) _balances[ids[i]][to] += values[i];
        emit TransferBatch(msg.sender, address(0), to, ids, values);
    }

    function _burn(address from, uint256 id, uint256 value) private {
        require(_balances[id][from] >= value, "ERC1155: burn amount exceeds balance");
        _balances[id][from] -= value;
        emit TransferSingle(msg.sender, from, address(0), id, value);
    }
}
